"""One open (pending or booked) urgent-recording booking per NIK, enforced by the database.

recording_book checks first and says so in Indonesian; this partial unique index closes the race
between two desks booking the same citizen at once. An office whose data already holds two open
bookings for one NIK must cancel one before migrating (the index cannot be built otherwise).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0002_batch_list_indexes"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="recordingbooking",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["pending", "booked"])),
                fields=("nik",),
                name="booking_one_open_per_nik",
            ),
        ),
    ]
