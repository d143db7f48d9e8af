"""Seed the working-day calendar from the holiday library (chinese_calendar).

Every year the installed library knows from LIBRARY_FIRST_YEAR on becomes a CalendarYear
(source=library) and its exceptions to the Monday–Friday rule become CalendarDay rows
(source=library). Later library releases are brought in with `python -m onewindow sync_calendar`.
"""

from django.db import migrations

LIBRARY = "library"


def seed(apps, schema_editor):
    from onewindow.core.calendar import library_exceptions, library_years

    CalendarYear = apps.get_model("core", "CalendarYear")
    CalendarDay = apps.get_model("core", "CalendarDay")
    known = set(CalendarYear.objects.values_list("year", flat=True))
    taken = set(CalendarDay.objects.values_list("date", flat=True))
    for year in library_years():
        if year in known:
            continue
        CalendarYear.objects.create(year=year, source=LIBRARY, note="chinesecalendar")
        CalendarDay.objects.bulk_create(
            CalendarDay(date=d.date, is_workday=d.is_workday, name=d.name, source=LIBRARY)
            for d in library_exceptions(year)
            if d.date not in taken
        )


def unseed(apps, schema_editor):
    apps.get_model("core", "CalendarDay").objects.filter(source=LIBRARY).delete()
    apps.get_model("core", "CalendarYear").objects.filter(source=LIBRARY).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
