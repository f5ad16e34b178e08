from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class OfficeWordsValidator:
    """Refuse passwords built from the office's own words (its name, region, the product).

    Django's CommonPasswordValidator knows the world's common passwords but not "dukcapil2020" or
    "bimaSehat123", which are the first guesses against an office account.
    """

    def __init__(self, words=None):
        self.words = [w.lower() for w in (words or settings.OFFICE_PASSWORD_WORDS) if w]

    def validate(self, password, user=None):
        lowered = password.lower()
        found = [w for w in self.words if w in lowered]
        if found:
            raise ValidationError(
                _(
                    "Kata sandi tidak boleh memuat kata yang mudah ditebak dari nama kantor atau wilayah (%(words)s)."
                )
                % {"words": ", ".join(found)},
                code="password_office_word",
            )

    def get_help_text(self):
        return _("Kata sandi tidak boleh memuat nama kantor, wilayah, atau kata 'dukcapil'.")
