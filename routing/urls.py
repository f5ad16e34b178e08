from . import urls_delivery, urls_staff

app_name = "routing"
# delivery to the desa (batches, manifests, Pemdes portal) and staff routing (numbers, assignment,
# rota, recording quota) are built separately; one namespace for both
urlpatterns = urls_delivery.urlpatterns + urls_staff.urlpatterns
