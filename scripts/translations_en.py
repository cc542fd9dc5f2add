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
    # ordering and planning (点单、排课)
    "点单与排课": "Orders and planning", "点单组织": "Ordering organisation",
    "可以只选课程类别，由组织部门安排具体课程": "You may choose just a category and let the organisation department pick the course",
    "可选日期": "Possible dates", "多个日期用逗号或空格分隔，如 2026-05-06, 2026-05-08": "Separate dates with commas or spaces, e.g. 2026-05-06, 2026-05-08",
    "或：最早日期": "Or: earliest date", "最晚日期": "Latest date", "预计参学人数": "Expected attendees",
    "授课地点": "Venue", "授课方式": "Format", "专项活动": "Campaign", "备注": "Notes",
    "（随课程）": "(as the course)", "%(value)s 不是有效日期（YYYY-MM-DD）": "%(value)s is not a valid date (YYYY-MM-DD)",
    "只看精品课": "Excellent courses only", "全部群组": "All series", "排课区划": "Planning region",
    "月份": "Month", "贪心基线（仅用于对比）": "Greedy baseline (for comparison only)",
    "请按 YYYY-MM 填写月份": "Enter the month as YYYY-MM", "手机号": "Mobile number", "所在单位": "Employer",
    "只有基层党组织联络员或党员教育管理员可以点单": "Only grassroots organisation liaisons or Party-member education administrators can place orders",
    "点单已提交：%(order)s": "Order submitted: %(order)s", "点单已是「%(status)s」，不能再修改": "The order is already “%(status)s” and can no longer be changed",
    "点单已修改": "Order changed", "点单已撤回": "Order withdrawn", "全部活动": "All campaigns",
    "点单队列": "Order queue", "编号": "Code", "课程 / 类别": "Course / category", "人数": "Attendees",
    "方式": "Format", "排课结果": "Planning result", "提交时间": "Submitted",
    "只有党员教育管理员可以排课": "Only Party-member education administrators can plan lessons",
    "未给出上界": "No upper bound given", "已证明最优": "Proven optimal",
    "与最优方案相差不到 0.01 %": "Within 0.01 % of the optimum", "与最优方案相差 %(gap)s %%": "Within %(gap)s %% of the optimum",
    "已按新的指定与排除重新排课": "Re-planned with the new pins and exclusions",
    "已发布：新建授课 %(lessons)s 节，未能安排 %(unserved)s 单": "Published: %(lessons)s lessons created, %(unserved)s orders could not be scheduled",
    "周一": "Mon", "周二": "Tue", "周三": "Wed", "周四": "Thu", "周五": "Fri", "周六": "Sat", "周日": "Sun",
    "已确认授课安排": "Lesson confirmed", "已登记为「已授课」": "Recorded as “taught”",
    "承办方取消": "Cancelled by the host", "已取消该授课活动": "Lesson cancelled",
    "只有承办组织的联络员或所在区划的管理员可以组织签到": "Only the host organisation's liaison or the region's administrators can run check-in",
    "签到成功，欢迎参加学习！": "You are checked in. Welcome!", "您已经签到过了，无需重复签到。": "You have already checked in.",
    "课程菜单": "Course menu", "我的点单": "My orders", "需求分布": "Demand map", "排课": "Planning",
    "授课安排": "Lessons", "扫码签到": "QR check-in", "请用手机扫码签到": "Scan with your phone to check in",
    "已签到 %(counter)s 人": "%(counter)s person checked in", "刷新": "Refresh", "点单状态": "Order status",
    "全部": "All", "查看": "View", "共 %(n)s 单，来自 %(m)s 个有坐标的组织": "%(n)s orders from %(m)s organisations with coordinates",
    "单": "orders", "经度": "Longitude", "纬度": "Latitude", "点单最多的组织": "Organisations with the most orders",
    "没有点单。": "No orders.", "没有坐标的组织": "Organisations without coordinates", "承办组织": "Host organisation",
    "参学人数": "Attendees", "确认授课安排": "Confirm lesson", "登记为已授课": "Record as taught",
    "取消原因": "Reason for cancelling", "取消授课": "Cancel lesson", "签到 %(counter)s 人": "%(counter)s check-in",
    "还没有人签到。": "Nobody has checked in yet.",
    "%(name)s的日历订阅地址（在手机或电脑日历中「添加订阅日历」，无需登录）：": "Calendar feed for %(name)s (use “Add subscribed calendar” in your phone or computer calendar; no login needed):",
    "日历订阅地址": "Calendar feed", "下载 .ics": "Download .ics", "本月 %(counter)s 次授课": "%(counter)s lesson this month",
    "按类别点单": "Order by category", "暂无": "None yet", "已被点单 %(n)s 次": "Ordered %(n)s times", "点单": "Order",
    "没有可点的课程。": "No courses to order.", "结果": "Result", "查看授课": "View lesson", "修改": "Change",
    "撤回": "Withdraw", "还没有点单。到「课程菜单」选一门课吧。": "No orders yet. Pick a course from the “Course menu”.",
    "修改点单": "Change order", "修改点单 %(code)s": "Change order %(code)s", "保存修改": "Save changes",
    "提交点单": "Submit order", "返回": "Back",
    "填写几个可选日期，或一个日期区间（区间内的农忙月份会自动避开）。": "Give a few possible dates, or a date range (busy farming months in the range are avoided).",
    "点单在排课前都可以修改或撤回；排课发布后可在「我的点单」看到安排结果。": "Orders can be changed or withdrawn until planning; once the plan is published, see the result under “My orders”.",
    "贪心基线": "Greedy baseline", "发布方案": "Publish plan", "方案价值": "Plan value", "价值上界": "Upper bound",
    "最优性": "Optimality", "安排 / 未能安排": "Scheduled / not scheduled", "总里程(公里)": "Total distance (km)",
    "首次覆盖的组织": "Organisations reached for the first time", "求解用时(秒)": "Solve time (s)",
    "%(who)s 于 %(at)s 发布": "published by %(who)s at %(at)s", "查看授课安排": "View lessons",
    "本次的指定与排除": "Pins and exclusions in this run", "指定": "Pin", "取消并重新排课": "Remove and re-plan",
    "排除": "Exclude", "组织": "Organisation", "距离(公里)": "Distance (km)", "首次覆盖": "First visit",
    "今年首次": "First this year", "固定这项安排并重新排课": "Keep this assignment and re-plan",
    "不让该师资讲这一单，重新排课": "Do not give this order to this teacher; re-plan", "没有安排。": "Nothing scheduled.",
    "未能安排的点单": "Orders not scheduled", "全部点单都已安排。": "Every order is scheduled.",
    "师资授课量": "Lessons per teacher", "排一个月的课": "Plan a month", "开始排课": "Start planning",
    "把该区划已提交的点单分配给师资，求取效益最高的方案；计算在后台进行，结果发布前不会改动任何点单。": "Assigns the region's submitted orders to teachers, looking for the most valuable plan; it runs in the background and changes no order until the result is published.",
    "周期": "Period", "发起人": "Started by", "还没有排课。": "No planning runs yet.", "签到": "Check in",
    "本次授课已取消，无需签到。": "This lesson has been cancelled; no check-in needed.",
    "同一手机号只需签到一次。": "Each mobile number checks in once.",
    # loudspeakers (大喇叭)
    "大喇叭": "Loudspeakers", "节目名称": "Programme title", "时长(分钟)": "Duration (min)",
    "音频文件（mp3/m4a/wav）": "Audio file (mp3/m4a/wav)", "播报文本（无音频时由语音合成朗读）": "Script (read by speech synthesis when there is no audio)",
    "节目": "Programmes", "日期": "Date", "开始时间": "Start time", "播出范围（该区划的全部站点）": "Broadcast area (every station in the region)",
    "有站点未播放": "Has stations, nothing played", "无站点": "No station", "情况": "Situation",
    "大喇叭站点": "Loudspeaker stations", "站点编号": "Station code", "站点名称": "Station name",
    "所在村（社区）": "Village (community)", "估计收听人数": "Estimated listeners", "最近上报": "Last report",
    "只有党员教育管理员可以安排播出": "Only Party-member education administrators can schedule broadcasts",
    "已安排到 %(n)s 个站点": "Scheduled on %(n)s stations", "节目已保存": "Programme saved",
    "文件已不在存储中，请重新上传": "The file is no longer in storage; please upload it again",
    "月度统计": "Monthly figures", "播出安排": "Broadcast schedule", "站点": "Stations",
    "播放时长(小时)": "Hours played", "收听人次": "Listens", "活跃站点 / 站点": "Active stations / stations",
    "本月未覆盖的村": "Villages not reached this month", "其中无站点": "of which without a station",
    "其中有站点未播放": "of which with stations but nothing played", "各县（市、区）": "By county (city, district)",
    "县（市、区）": "County (city, district)", "小时": "Hours", "活跃站点": "Active stations",
    "未覆盖的村": "Villages not reached", "本月没有数据。": "No data this month.", "导出全部": "Export all",
    "未播放": "Nothing played", "全部覆盖。": "Every village reached.", "新建节目": "New programme", "时长": "Duration",
    "来源": "Source", "分钟": "min", "文本播报": "Text to speech", "还没有节目。": "No programmes yet.",
    "安排播出": "Schedule a broadcast", "安排": "Schedule",
    "同一站点的播出时间不能重叠；落在农忙月份的村会给出提醒。": "Broadcasts on one station may not overlap; villages in a busy farming month get a warning.",
    "指定站点": "Chosen stations", "近期没有播出安排。": "No broadcasts coming up.",
    # micro-lessons (微党课、弹幕)
    "微党课": "Micro-lessons", "文件（视频/动漫 mp4，音频 mp3/m4a，图文配图 jpg/png）": "File (video/animation mp4, audio mp3/m4a, illustrated article jpg/png)",
    "说说您的看法": "Tell us what you think", "昵称（可不填）": "Nickname (optional)",
    "作为弹幕显示在视频当前位置": "Show as a bullet comment at this point in the video",
    "微视频": "Micro-video", "微动漫": "Micro-animation", "音频": "Audio", "图文": "Illustrated article",
    "草稿": "Draft", "待审核": "Awaiting review", "已发布": "Published", "已下架": "Withdrawn",
    "公开": "Public", "仅老师可见": "Teacher only", "已删除": "Deleted", "专栏名称": "Column name", "专栏": "Column",
    "标题": "Title", "简介": "Summary", "关联课程": "Related course", "授课教师": "Teacher", "文件格式": "File format",
    "正文": "Text", "图文作品的正文": "Text of an illustrated article", "时长（秒）": "Duration (s)",
    "播放次数": "Plays", "完播次数": "Completed plays", "发布时间": "Published", "创建时间": "Created",
    "新媒体作品": "New-media works", "作品": "Work", "弹幕时间点（秒）": "Bullet comment time (s)", "昵称": "Nickname",
    "审核状态": "Review status", "发表时间": "Posted", "评论与弹幕": "Comments and bullet comments",
    "提交审核": "Submitted for review", "审核通过，发布": "Approved and published",
    "该作品未发布，不能评论": "This work is not published and cannot be commented on",
    "请刷新页面后再发表评论": "Please reload the page before commenting", "请填写评论内容": "Please write a comment",
    "评论不能超过 %(n)d 个字（现有 %(len)d 个）": "Comments are limited to %(n)d characters (this one has %(len)d)",
    "弹幕时间点无效": "Invalid bullet comment time", "评论太频繁，请 %(minutes)d 分钟后再试": "Too many comments; try again in %(minutes)d minutes",
    "审核通过，公开": "Approved, public", "仅供老师参考": "For the teacher only", "不宜展示，删除": "Not suitable, deleted",
    "评论审核": "Comment review",
    "不支持的文件类型「%(ext)s」，%(kind)s可上传：%(allowed)s": "File type “%(ext)s” is not accepted; accepted for %(kind)s: %(allowed)s",
    "无扩展名": "no extension", "播放": "Plays", "完播": "Completed", "编辑作品": "Edit work", "新建作品": "New work",
    "只有党员教育管理员可以新建作品": "Only Party-member education administrators can create works",
    "该作品没有文件": "This work has no file", "只有党员教育管理员可以审核评论": "Only Party-member education administrators can review comments",
    "已设为「%(status)s」": "Set to “%(status)s”", "感谢留言！审核通过后会显示出来。": "Thank you! Your comment will appear once it is approved.",
    "评价倾向": "Sentiment", "正面": "Positive", "中性": "Neutral", "负面": "Negative",
    "评论 %(c)s 条，弹幕 %(d)s 条（已公开和仅老师可见的）": "%(c)s comments, %(d)s bullet comments (public and teacher-only)",
    "主要话题": "Main topics", "还没有审核过的评论。": "No reviewed comments yet.", "弹幕最多的时段": "Busiest bullet-comment moments",
    "条": "comments", "暂无弹幕": "No bullet comments yet", "评论与弹幕审核": "Comment and bullet comment review",
    "未删除的全部": "All not deleted", "弹幕时间": "Bullet comment time", "秒": "s",
    "没有需要处理的评论。": "No comments to review.", "反馈分析": "Feedback", "各作品": "By work",
    "%(n)s 次播放": "%(n)s plays", "这里还没有发布的作品。": "Nothing published here yet.",
    "新媒体党课": "New-media Party lessons", "显示弹幕（%(n)s 条）": "Show bullet comments (%(n)s)", "发表": "Post",
    "留言不记录您的身份，审核后公开。": "Comments are anonymous and appear after review.",
    "评论（%(n)s）": "Comments (%(n)s)", "还没有评论，来说两句吧。": "No comments yet. Be the first!",
    "公开页面": "Public page", "还没有上传文件。": "No file uploaded yet.", "播放 / 完播": "Plays / completed", "评论": "Comments",
    # shared: lists, imports, photos
    "首页": "First", "末页": "Last", "清除筛选条件": "Clear filters",
    "您的管辖范围内还没有记录。可以新建，或通过「数据导入」批量导入。": "Nothing in your area yet. Create an entry, or add many at once through “Data import”.",
    "当前位置": "Current location", "添加一行": "Add a row", "没有照片": "No photo",
    "只有党员教育管理员可以导入数据": "Only Party-member education administrators can import data",
    "检查文件时出错，请联系系统管理员": "The file could not be checked; please contact the system administrator",
    "发现 %(count)d 处错误，请修改后重新上传；数据未做任何改动": "%(count)d errors found; correct them and upload again. Nothing has been changed",
    "文件中没有数据行": "The file has no data rows", "检查通过，确认后导入": "Check passed; confirm to import",
    "只有上传该文件的人可以确认导入": "Only the person who uploaded the file can confirm the import",
    "该文件当前不能导入（可能已导入，或检查未通过）": "This file cannot be imported now (already imported, or the check failed)",
    "检查之后数据已有变化，出现新的错误；数据未做任何改动": "The data changed after the check and new errors appeared; nothing has been changed",
    "导入失败，数据未做任何改动。原因：%(error)s": "The import failed; nothing has been changed. Reason: %(error)s",
    "已导入 %(rows)d 行：新增 %(created)d，更新 %(updated)d": "%(rows)d rows imported: %(created)d new, %(updated)d updated",
    "没有这种导入": "No such import", "%(kind)s导入模板.xlsx": "%(kind)s import template.xlsx",
    "%(kind)s：%(error)s": "%(kind)s: %(error)s", "导入错误": "Import errors",
    "等待上传人 %(user)s 确认": "Waiting for %(user)s, who uploaded it, to confirm",
    '节目已保存，正在后台合成语音': 'Programme saved; the speech is being synthesised in the background',
    '该节目还没有音频': 'This programme has no audio yet',
    '年度': 'Year',
    '全部（不限活动）': 'All (any campaign)',
    '活动名称': 'Campaign name',
    '组织区划': 'Organising region',
    '开始日期': 'Start date',
    '结束日期': 'End date',
    '面向的组织类型': 'Organisation kinds targeted',
    '不选为全部类型': 'None selected means all kinds',
    '目标授课场次': 'Target lessons',
    '目标覆盖党员数': 'Target members reached',
    '活动说明': 'Description',
    '手机号「%(phone)s」格式不对': 'The phone number “%(phone)s” is not valid',
    '姓名太长（最多 32 个字）': 'The name is too long (at most 32 characters)',
    '第一项应为姓名': 'The first item should be a name',
    '单位名称太长（最多 120 个字）': 'The employer is too long (at most 120 characters)',
    '手机号与第 %(line)s 行重复': 'The phone number repeats line %(line)s',
    '签到名单': 'Attendance list',
    '每行一人：姓名 手机号 单位（空格分隔，手机号和单位可不填）': 'One person per line: name, phone, employer (separated by spaces; phone and employer optional)',
    '或：宣讲队': 'Or: lecture team',
    '未选师资时，按宣讲队成员登记': 'Without teachers, the lecture team’s members are recorded',
    '不填按课程时长': 'Empty: the course’s duration',
    '请选择授课师资或宣讲队': 'Choose teachers or a lecture team',
    '已覆盖': 'Reached',
    '覆盖率(%)': 'Reached (%)',
    '覆盖党员': 'Members reached',
    '授课场次': 'Lessons',
    '授课时长(小时)': 'Hours taught',
    '覆盖情况': 'Coverage',
    '只有党员教育管理员可以发起专项活动': 'Only Party-member education administrators can start a campaign',
    '专项活动已创建：%(name)s': 'Campaign created: %(name)s',
    '只有承办组织的联络员或所在区划的管理员可以登记签到': 'Only the host organisation’s liaison or the region’s administrator can record attendance',
    '名单登记：新增 %(added)s 人（已签到的 %(known)s 人未重复计入）': 'Recorded from the list: %(added)s new (%(known)s already signed in were not counted again)',
    '只有基层党组织联络员或党员教育管理员可以登记授课活动': 'Only liaisons and Party-member education administrators can record lessons',
    '已登记授课活动：%(lesson)s': 'Lesson recorded: %(lesson)s',
    '语音合成': 'Synthesised speech',
    '文本播报（合成中）': 'Text (being synthesised)',
    '按名单登记签到': 'Record attendance from a list',
    '以下几行没有登记，请修改后重新提交：': 'These lines were not recorded; correct them and submit again:',
    '第 %(n)s 行': 'Line %(n)s',
    '每行一人：姓名 手机号 单位（空格分隔，手机号和单位可不填）；同一手机号只计一次。': 'One person per line: name, phone, employer (separated by spaces; phone and employer optional); each phone number counts once.',
    '登记名单': 'Record the list',
    '登记授课': 'Record a lesson',
    '已授课场次 / 目标': 'Lessons given / target',
    '覆盖党员 / 目标': 'Members reached / target',
    '覆盖基层党组织 / 面向的组织': 'Organisations reached / targeted',
    '查看本活动的覆盖情况': 'Coverage of this campaign',
    '覆盖基层党组织': 'Organisations reached',
    '还没有专项活动。': 'No campaigns yet.',
    '发起专项活动': 'Start a campaign',
    '创建活动': 'Create campaign',
    '只统计专项活动「%(name)s」的授课及其面向的组织。': 'Counting only the lessons of campaign “%(name)s” and the organisations it targets.',
    '活动详情': 'Campaign details',
    '已授课 %(n)s 场': '%(n)s lessons given',
    '参学人次': 'Attendances',
    '授课场次（按课程类别）': 'Lessons by course category',
    '授课场次（按授课方式）': 'Lessons by mode',
    '覆盖率(%%)': 'Reached (%%)',
    '没有数据。': 'No data.',
    '登记授课活动': 'Record a lesson',
    '登记计划外授课': 'Record a lesson outside the plan',
    '登记': 'Record',
    '宣讲队巡回宣讲、先学后讲等未经点单排课的授课活动，在这里直接登记，与排课产生的授课同样计入覆盖情况。': 'Lessons not ordered and planned here — a lecture team’s tour, a “learn first, then teach” session — are recorded directly and count in coverage like planned ones.',
    '已经开始的授课登记为「已授课」；参学人数可以稍后按名单补登。': 'A lesson that has already started is recorded as given; attendance can be added later from a list.',
    '微党课评论与弹幕反馈（主题、情感、热点时刻）': 'Micro-lesson comments and bullet comments (themes, sentiment, busiest moments)',
    '站内通知': 'Notifications',
    '全部标为已读': 'Mark all read',
    '未读': 'unread',
    '没有通知。': 'No notifications.',
}  # fmt: skip

PLURALS = {
    "共 %(counter)s 条": "%(counter)s items",
    "模板共 %(counter)s 列": "%(counter)s columns",
    "发现 %(counter)s 处问题": "%(counter)s problems found",
    "可授课程（%(counter)s）": "Courses (%(counter)s)",
    "下级党组织（%(counter)s）": "Child organisations (%(counter)s)",
    "已签到 %(counter)s 人": "%(counter)s people checked in",
    "签到 %(counter)s 人": "%(counter)s check-ins",
    "本月 %(counter)s 次授课": "%(counter)s lessons this month",
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


def unfuzz(chunk: str) -> str:
    """Drop the fuzzy flag (msgfmt skips fuzzy entries), alone or beside other flags such as
    python-format, and the "#|" previous-msgid comments msgmerge leaves with it."""
    chunk = re.sub(r"^#\| .*\n", "", chunk, flags=re.M)

    def flags(line: re.Match) -> str:
        kept = [f for f in line.group(1).split(",") if f.strip() and f.strip() != "fuzzy"]
        return f"#,{','.join(kept)}\n" if kept else ""

    return re.sub(r"^#,(.*)\n", flags, chunk, flags=re.M)


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
            out.append(unfuzz(chunk))
            continue
        english = EN.get(source)
        if english is None:
            missing.append(source)
            out.append(chunk)
            continue
        chunk = unfuzz(chunk)
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
