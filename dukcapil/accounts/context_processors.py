from django.conf import settings


def office(request):
    return {"OFFICE_NAME": settings.OFFICE_NAME}
