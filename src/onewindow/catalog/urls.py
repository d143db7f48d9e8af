from django.urls import path

from onewindow.catalog.views import guides, imports, manage

app_name = "catalog"

urlpatterns = [
    # Public guides (办事指南): no account needed.
    path("", guides.guide_home, name="guide-home"),
    path("guide/search/", guides.search, name="guide-search"),
    path("guide/browse/", guides.browse, name="guide-browse"),
    path("guide/items/<int:pk>/", guides.item_detail, name="guide-item"),
    path("guide/items/<int:pk>/print/", guides.item_print, name="guide-item-print"),
    # Hall manager pages.
    path("manage/items/", manage.item_list, name="manage-items"),
    path("manage/items/new/", manage.item_create, name="manage-item-create"),
    path("manage/items/<int:pk>/", manage.item_edit, name="manage-item-edit"),
    path("manage/items/<int:pk>/scenarios/", manage.scenario_edit, name="manage-scenarios"),
    path(
        "manage/items/<int:pk>/scenarios/<int:scenario_pk>/materials/",
        manage.material_edit,
        name="manage-materials",
    ),
    path("manage/items/<int:pk>/versions/", manage.item_versions, name="manage-item-versions"),
    path("manage/delegations/", manage.delegation_matrix, name="delegation-matrix"),
    path("manage/agreements/", manage.agreement_list, name="agreement-list"),
    path("manage/agreements/new/", manage.agreement_create, name="agreement-create"),
    path("manage/agreements/<int:pk>/", manage.agreement_edit, name="agreement-edit"),
    path("manage/synonyms/", manage.synonym_list, name="synonym-list"),
    path("manage/import/", imports.import_page, name="import"),
    path("manage/export/", imports.export_download, name="export"),
]
