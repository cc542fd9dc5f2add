"""English strings for dangke/locale/en (run by `make messages` after makemessages).

The source strings are simplified Chinese; this table is the English locale. A string
missing here stays untranslated (Chinese) and is listed when the script runs."""

import re
import sys
from pathlib import Path

EN = {
    "工作台": "Dashboard", "基层党组织": "Grassroots organisations", "师资库": "Teachers",
    "课程库": "Course library", "数据导入": "Data import", "全部范围": "Everything I can see",
    "变更为": "Change to", "原因": "Reason", "搜索": "Search", "区划": "Region",
    "全部区划": "All regions", "您没有修改此项的权限": "You may not change this item",
    "已保存：%(name)s": "Saved: %(name)s", "状态已变更为「%(status)s」": "Status changed to “%(status)s”",
    "不能从「%(old)s」变更为「%(new)s」": "Cannot change from “%(old)s” to “%(new)s”",
    "原因：%(error)s": "Reason: %(error)s", "按住 Ctrl 可多选": "Hold Ctrl to choose several",
    "课件文件": "Courseware file", "更新说明": "Change note",
    "不支持的文件类型「%(ext)s」，可上传：%(allowed)s": "File type “%(ext)s” is not accepted; accepted: %(allowed)s",
    "文件太大（%(size).1f MB），上限为 %(limit)d MB": "The file is too large (%(size).1f MB); the limit is %(limit)d MB",
    "文件内容与扩展名「.%(ext)s」不符（可能改过扩展名或已损坏），请上传原始文件": "The file's content does not match its “.%(ext)s” extension (renamed or damaged); please upload the original file",
    "类别": "Category", "状态": "Status", "精品": "Excellent", "全部类别": "All categories",
    "全部状态": "All statuses", "不限": "Any", "精品课程": "Excellent courses",
    "%(year)s 年度精品": "Excellent in %(year)s", "课程编号": "Course code", "课程名称": "Title",
    "所属区划": "Region", "课程群组": "Series", "课时(分钟)": "Duration (min)",
    "授课师资数": "Teachers", "精品年度": "Excellent years", "新建课程": "New course",
    "编辑课程": "Edit course", "您没有修改此课程的权限": "You may not change this course",
    "知识点大纲已保存": "Outline saved", "已上传课件第 %(v)s 版": "Courseware version %(v)s uploaded",
    "专长类别": "Specialties", "照片不能超过 5 MB": "The photo must be under 5 MB", "级别": "Level",
    "专长": "Specialty", "全部级别": "All levels", "全部专长": "All specialties",
    "师资编号": "Teacher code", "姓名": "Name", "性别": "Gender", "工作单位": "Employer",
    "职务/职称": "Position", "可授课程": "Courses", "新建师资": "New teacher",
    "编辑师资": "Edit teacher", "Excel 文件（.xlsx）": "Excel file (.xlsx)",
    "这是旧版 Excel/WPS 格式，请在 Excel 或 WPS 中「另存为」.xlsx 后再上传": "This is the old Excel/WPS format: use “Save as” .xlsx in Excel or WPS, then upload",
    "只能上传 .xlsx 格式的 Excel 文件": "Only .xlsx Excel files can be uploaded",
    "文件内容不是 Excel 工作簿（可能只是改了扩展名），请用模板填写后上传": "The file is not an Excel workbook (perhaps only renamed); fill in the template and upload it",
    "上级组织编码": "Parent organisation code", "留空表示没有上级组织": "Leave empty when there is no parent",
    "农忙/牧忙月份": "Busy farming months", "上级组织不能是自己": "An organisation cannot be its own parent",
    "找不到编码为「%(code)s」的组织": "No organisation with code “%(code)s”",
    "纬度和经度要么都填，要么都不填": "Give both latitude and longitude, or neither",
    "类型": "Kind", "全部类型": "All kinds", "组织编码": "Code", "组织名称": "Name",
    "所在区划": "Region", "区划代码": "Region code", "党员人数": "Members",
    "农忙月份": "Busy months", "书记": "Secretary", "联系电话": "Phone",
    "新建基层党组织": "New organisation", "编辑基层党组织": "Edit organisation", "登录": "Log in",
    "党员教育工作平台": "Party-member education platform",
    "点单 · 排课 · 授课 · 评价 · 考核": "Order · Schedule · Teach · Evaluate · Review",
    "用户名或密码不正确，请重新输入。": "Wrong username or password; please try again.",
    "用户名": "Username", "密码": "Password",
    "演示账号见 make demo 的输出，例如 city-admin、county-a，密码均为 dangke-demo。": "Demo accounts are printed by make demo, e.g. city-admin, county-a; the password is dangke-demo.",
    "我的账号": "My account", "我的角色": "My roles", "角色": "Role", "范围": "Scope",
    "本区划": "This region", "尚未分配角色，请联系管理员。": "No role yet; ask an administrator.",
    "党课": "Dangke", "菜单": "Menu", "查看范围": "Viewing", "切换": "Switch",
    "接口文档": "API docs", "退出登录": "Log out", "关闭": "Close",
    "共 %(counter)s 条": "%(counter)s item", "分页": "Pages", "上一页": "Previous",
    "第 %(number)s / %(total)s 页": "Page %(number)s of %(total)s", "下一页": "Next",
    "没有符合条件的记录。": "Nothing matches.", "变更状态": "Change status", "变更": "Change",
    "变更记录": "History", "时间": "Time", "操作人": "By", "操作": "Action", "变化": "Change",
    "暂无记录。": "No entries yet.", "保存": "Save", "取消": "Cancel", "新建": "New",
    "导出 Excel": "Export to Excel", "名称、编号": "Name or code", "筛选": "Filter",
    "清除": "Clear", "编辑": "Edit", "课时": "Duration", "%(m)s 分钟": "%(m)s minutes",
    "教研组": "Teaching group", "知识点大纲": "Outline", "编辑大纲": "Edit outline",
    "知识点": "Knowledge point", "关键词": "Keywords", "计划用时(分钟)": "Planned (min)",
    "合计": "Total", "知识点计划用时之和与课时不一致。": "The planned minutes do not add up to the duration.",
    "尚未填写知识点。": "No knowledge points yet.", "课件": "Courseware", "版本": "Version",
    "文件": "File", "大小": "Size", "上传": "Upload", "说明": "Note",
    "暂无课件。": "No courseware yet.",
    "支持 PDF、PPT/PPTX、DOC/DOCX、XLSX、MP4、MP3、JPG、PNG；系统会核对文件内容与扩展名。": "PDF, PPT/PPTX, DOC/DOCX, XLSX, MP4, MP3, JPG and PNG; the content is checked against the extension.",
    "授课师资": "Teachers", "暂无。": "None yet.", "编辑知识点大纲": "Edit outline",
    "课时 %(m)s 分钟；各知识点计划用时之和宜与课时一致。勾选「删除」可去掉一行；空行不保存。": "Duration %(m)s minutes; the planned minutes should add up to it. Tick “Delete” to remove a row; empty rows are not saved.",
    "序号": "No.", "删除": "Delete", "性别 / 出生": "Gender / born", "宣讲队": "Lecture teams",
    "常驻地": "Home", "最远授课 %(km)s 公里": "travels up to %(km)s km", "入库日期": "Admitted",
    "可授课程（%(counter)s）": "Courses (%(counter)s)",
    "先下载模板，按模板填写，上传后系统逐行检查；检查全部通过并确认后才写入，要么全部导入，要么一行也不导入。": "Download the template, fill it in and upload it: every row is checked, and only after a clean check and your confirmation is anything written — all rows or none.",
    "模板共 %(counter)s 列": "%(counter)s column", "下载模板": "Download template",
    "上传并检查": "Upload and check", "最近的导入": "Recent imports", "上传时间": "Uploaded",
    "内容": "Content", "导入人": "By", "行数": "Rows", "还没有导入记录。": "No imports yet.",
    "导入": " import", "%(user)s 于 %(at)s 上传": "uploaded by %(user)s at %(at)s",
    "工作表": "Sheet", "行数据": "data rows", "正在逐行检查…": "Checking every row…",
    "正在导入…": "Importing…", "行": "rows", "进度": "Progress",
    "将新增 <strong>%(new)s</strong> 条，更新 <strong>%(updated)s</strong> 条。": "<strong>%(new)s</strong> new and <strong>%(updated)s</strong> updated.",
    "确认后在后台一次性导入，期间可以离开本页。": "After you confirm, the import runs in the background; you may leave this page.",
    "确认导入": "Confirm import", "发现 %(counter)s 处问题": "%(counter)s problem found",
    "下载错误清单": "Download the problems",
    "请在原文件中按「工作表 / 行号 / 列」逐一修改，然后重新上传。数据未做任何改动。": "Correct each one in your file by sheet / row / column, then upload it again. Nothing has been changed.",
    "行号": "Row", "列": "Column", "填写内容": "Value", "问题": "Problem",
    "已导入的前几行": "First rows imported", "预览（前 20 行）": "Preview (first 20 rows)",
    "已停用": "Inactive", "上级党组织": "Parent organisation", "联系人": "Contact",
    "位置": "Location", "下级党组织（%(counter)s）": "Child organisations (%(counter)s)",
    "名党员": "members", "%(year)s 年度": "Year %(year)s", "师资": "Teachers", "党员": "Members",
    "村（社区）": "Villages (communities)", "课程": "Courses",
    "本年度精品课程": "Excellent courses this year", "师资状态": "Teachers by status",
    "课程类别": "Courses by category", "基层党组织类型": "Organisations by kind",
    "师资级别": "Teachers by level", "请选择…": "Choose…",
    "请选择要变更为的状态": "Choose the status to change to",
    "无法打开该工作簿（可能已损坏或设了密码），请在 Excel 或 WPS 中重新保存后上传": "The workbook cannot be opened (damaged or password-protected); save it again in Excel or WPS and upload it", "导入内容": "Kind", "状态说明": "Message",
}  # fmt: skip

PLURALS = {
    "共 %(counter)s 条": "%(counter)s items",
    "模板共 %(counter)s 列": "%(counter)s columns",
    "发现 %(counter)s 处问题": "%(counter)s problems found",
    "可授课程（%(counter)s）": "Courses (%(counter)s)",
    "下级党组织（%(counter)s）": "Child organisations (%(counter)s)",
}

ENTRY = re.compile(r'((?:msgid|msgid_plural|msgstr(?:\[\d\])?) (?:"(?:[^"\\]|\\.)*"\n?)+)')


def unquote(block: str) -> str:
    return (
        "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
        .encode()
        .decode("unicode_escape")
        .encode("latin-1")
        .decode()
    )


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def translate(po_path: Path) -> list[str]:
    missing = []
    out = []
    for chunk in po_path.read_text().split("\n\n"):
        msgid = re.search(r'^msgid ((?:"(?:[^"\\]|\\.)*"\n?)+)', chunk, re.M)
        if not msgid:
            out.append(chunk)
            continue
        source = unquote(msgid.group(1))
        if not source:  # the header: makemessages marks it fuzzy, which msgfmt would skip
            out.append(chunk.replace("#, fuzzy\n", ""))
            continue
        english = EN.get(source)
        if english is None:
            missing.append(source)
            out.append(chunk)
            continue
        chunk = chunk.replace("#, fuzzy\n", "")
        if "msgid_plural" in chunk:
            chunk = re.sub(
                r'msgstr\[0\] (?:"(?:[^"\\]|\\.)*"\n?)+', f"msgstr[0] {quote(english)}\n", chunk
            )
            chunk = re.sub(
                r'msgstr\[1\] (?:"(?:[^"\\]|\\.)*"\n?)+',
                f"msgstr[1] {quote(PLURALS.get(source, english))}\n",
                chunk,
            )
        else:
            chunk = re.sub(r'msgstr (?:"(?:[^"\\]|\\.)*"\n?)+', f"msgstr {quote(english)}\n", chunk)
        out.append(chunk.rstrip("\n"))
    po_path.write_text("\n\n".join(out).rstrip("\n") + "\n")
    return missing


if __name__ == "__main__":
    missing = translate(Path(sys.argv[1]))
    for source in missing:
        print(f"untranslated: {source!r}")
