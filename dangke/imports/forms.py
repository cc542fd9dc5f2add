import zipfile

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from dangke.core.uploads import UploadRejected, open_checked_zip


class WorkbookUploadForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if name.endswith(".xls") or name.endswith(".et"):
            raise forms.ValidationError(
                _("这是旧版 Excel/WPS 格式，请在 Excel 或 WPS 中「另存为」.xlsx 后再上传")
            )
        if not name.endswith(".xlsx"):
            raise forms.ValidationError(_("只能上传 .xlsx 格式的 Excel 文件"))
        limit = settings.SPREADSHEET_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件太大（%(size).1f MB），上限为 %(limit)d MB")
                % {"size": upload.size / 1048576, "limit": limit // 1048576}
            )
        # An .xlsx is a zip with a workbook part; a renamed text or image file is not. Its
        # declared contents are checked before openpyxl inflates anything (zip bombs).
        names = set()
        try:
            if zipfile.is_zipfile(upload):
                with open_checked_zip(upload) as archive:
                    names = set(archive.namelist())
        except UploadRejected as error:
            raise forms.ValidationError(str(error)) from error
        finally:
            upload.seek(0)
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise forms.ValidationError(
                _("文件内容不是 Excel 工作簿（可能只是改了扩展名），请用模板填写后上传")
            )
        # A zip with the right names can still be damaged (or encrypted by WPS): open it.
        try:
            load_workbook(upload, read_only=True).close()
        except Exception as error:
            raise forms.ValidationError(
                _("无法打开该工作簿（可能已损坏或设了密码），请在 Excel 或 WPS 中重新保存后上传")
            ) from error
        finally:
            upload.seek(0)
        return upload
