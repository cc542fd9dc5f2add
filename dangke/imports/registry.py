"""The kinds of rows that can be imported, by the name used in URLs and jobs."""

from dangke.broadcast.spreadsheets import PlayLogSheet
from dangke.courses.spreadsheets import CourseSheet
from dangke.faculty.spreadsheets import TeacherSheet
from dangke.members.spreadsheets import MemberSheet
from dangke.regions.spreadsheets import OrganizationSheet

SHEETS = {
    sheet.kind: sheet
    for sheet in (OrganizationSheet(), TeacherSheet(), CourseSheet(), PlayLogSheet(), MemberSheet())
}
KIND_CHOICES = [(kind, sheet.title) for kind, sheet in SHEETS.items()]


def sheet_for(kind: str):
    return SHEETS[kind]
