"""The words of the year's report. Change the wording here.

A city's report follows seed 004 (以训提能… 以研促干… 以用促效… 以新赋能… 以评增效…), a
county's seed 000 (three 突出). Each paragraph is a function of the figures: a clause is
written only when its figure is there, so a zero is left out (or said plainly where
leaving it out would mislead) and nothing is invented. Figures go through `c.figure(label,
value, definition, list page)`, which formats them (`rough=True`: the office's 4.7万余) and
lists them in the appendix 数据说明. The report is a Chinese official document: its text
is written here in Chinese and is not translated with the interface.
"""

from __future__ import annotations

from dangke.courses.categories import CourseCategory
from dangke.workreport.compose import Composer
from dangke.workreport.numbers import cn_date, percent

LEVELS = (("province", "省级"), ("city", "市级"), ("county", "县级"))


def _join(parts: list[str]) -> str:
    return "、".join(p for p in parts if p)


def _campaign(c: Composer) -> dict | None:
    campaigns = [x for x in c.data.figures["campaigns"] if x["lessons"]]
    return max(campaigns, key=lambda x: x["lessons"]) if campaigns else None


def _opening(c: Composer, lead: str) -> None:
    f = c.data.figures
    teachers = f["teachers"]["total"]
    pool = (
        "全年在库师资"
        + c.figure("在库师资", teachers, "师资库中在库、预警、整改状态的师资人数", "faculty:list")
        + "名"
        if teachers
        else ""
    )
    groups = (
        "组建教研组"
        + c.figure("教研组", f["teaching_groups"], "本区划内的教研组个数", "faculty:list")
        + "个"
        if f["teaching_groups"]
        else ""
    )
    facts = _join([pool, groups])
    c.paragraph(lead, f"{facts}。" if facts else "")


# --------------------------------------------------------------------------- city (004)


def city_report(c: Composer) -> str:
    d = c.data
    title = f"{d.region_name}{d.year}年度党员教育工作报告"
    c.blocks.append(_title(title))
    c.blocks.append(_meta(f"（{cn_date(_today())}由党课平台根据业务数据生成）"))
    _opening(
        c,
        f"今年以来，{d.region_name}坚持以教研组规范化建设为突破口，不断健全教育培训、日常管理、"
        "发挥作用相结合的工作链条，着力建强党员教育师资队伍，让党员教育培训由简单的“传声筒”"
        "变成党员的“加油站”。",
    )
    _city_training(c)
    _city_pool(c)
    _city_delivery(c)
    _city_innovation(c)
    _city_evaluation(c)
    _next_steps(c)
    return title


def _city_training(c: Composer) -> None:
    t, held = c.data.figures["training"], c.data.training_held
    c.heading("一、以训提能，优化供给，实现受训施训的“双向奔赴”")
    if not held["classes"]:
        c.paragraph("本年度尚未举办师资培训班，培训数据暂缺。")
        return
    classes = c.figure(
        "培训班",
        held["classes"],
        "本年度已开班（开班日期不晚于今天）的培训班期数",
        "training:index",
    )
    sentence = f"全年举办培训班{classes}期"
    if held["modules"]:
        modules = c.figure(
            "学习专题",
            held["modules"],
            "已开班培训班开设的培训模块（学习专题）数",
            "training:index",
        )
        sentence += (
            f"，建立培训“菜单式”授课、师资“点餐式”学习机制，围绕授课内容、授课技巧、授课方式等"
            f"{modules}个学习专题开班授课"
        )
    if held["enrolments"]:
        enrolled = c.figure(
            "培训报名", held["enrolments"], "已开班培训班的报名人次", "training:index"
        )
        sentence += f"，{enrolled}人次参训"
        if held["completed"]:
            completed = c.figure(
                "培训结业", held["completed"], "完成全部必修模块、结业的人次", "training:index"
            )
            sentence += f"，其中{completed}人次完成学习结业"
    c.paragraph(sentence + "。", _forums(c, t))


def _forums(c: Composer, t: dict) -> str:
    if not t["topics"]:
        return ""
    topics = c.figure("研讨专题", t["topics"], "培训班论坛中的研讨话题数", "training:index")
    text = f"通过“课前按需点单、课中现场评估、课后反馈调整”模式，开设学员论坛研讨专题{topics}个"
    if t["posts"]:
        posts = c.figure("论坛发言", t["posts"], "论坛中公开可见的发言条数", "training:index")
        text += f"、交流发言{posts}条"
    if t["essays"]:
        essays = c.figure("心得体会", t["essays"], "学员提交的心得体会篇数", "training:index")
        text += f"，收到心得体会{essays}篇"
    return text + "，确保师资坐得下、听得进、有收获。"


def _city_pool(c: Composer) -> None:
    f = c.data.figures
    fac, contests = f["faculty"], f["contests"]
    c.heading("二、以研促干，严管厚爱，推动能进能退的“动态优化”")
    quota = fac["quota_attainment"]
    if quota["reviews"]:
        reviews = c.figure(
            "年度考核师资", quota["reviews"], "本年度有考核记录的师资人数", "faculty:review"
        )
        sentence = (
            f"一是念好管理机制“紧箍咒”。树立“能者进、庸者退”鲜明导向，对{reviews}名师资的授课"
            "数量、时长及质量逐人考核"
        )
        if quota["passed"] or quota["failed"]:
            passed = c.figure(
                "考核达标", quota["passed"], "年度考核各项指标均达标的师资人数", "faculty:review"
            )
            sentence += f"，{passed}名达标"
            if quota["failed"]:
                failed = c.figure(
                    "考核未达标",
                    quota["failed"],
                    "年度考核有一项以上未达标的师资人数（名单见下表）",
                    "faculty:review",
                )
                sentence += f"、{failed}名未达标"
        moves = []
        for key, word in (
            ("admissions", "新增入库"),
            ("warnings", "预警"),
            ("rectifications", "整改"),
            ("exits", "退出"),
        ):
            if fac[key]:
                value = c.figure(
                    f"师资{word}", fac[key], f"本年度确认的师资{word}人数", "faculty:proposals"
                )
                moves.append(f"{word}{value}名")
        if moves:
            sentence += "，全年" + "、".join(moves) + "，及时动态补充"
        c.paragraph(sentence + "。", _rewards(c, fac["rewards"]))
    else:
        c.paragraph("本年度尚未开展师资年度考核。")
    if contests["entries"]:
        entries = c.figure(
            "擂台赛参赛课程", contests["entries"], "本年度擂台赛参赛作品数", "contests:index"
        )
        text = f"二是用好以赛促学“炼钢炉”。开展“十佳课程擂台赛”活动，{entries}门课程参赛"
        if contests["judges"]:
            judges = c.figure("擂台赛评委", contests["judges"], "擂台赛评委人数", "contests:index")
            text += f"，{judges}名评委"
            if contests["peer_judges"]:
                peers = c.figure(
                    "相互评议评委",
                    contests["peer_judges"],
                    "同时参赛、相互评议的教研组师资评委人数",
                    "contests:index",
                )
                text += f"（其中参赛师资{peers}名相互评议）"
        if contests["reviews"]:
            reviews = c.figure(
                "擂台赛评分", contests["reviews"], "评委提交的评分表份数", "contests:index"
            )
            text += f"提交评分{reviews}份"
        text = text.rstrip("，") + "。"
        if contests["promoted_courses"]:
            promoted = c.figure(
                "纳入优秀课程库",
                contests["promoted_courses"],
                "擂台赛评出、纳入下年度优秀课程库的课程数",
                "contests:index",
            )
            text += f"评出的{promoted}门十佳课程纳入下年度优秀课程库，有效激发师资上台讲课的热情。"
        c.paragraph(text)


def _rewards(c: Composer, rewards: dict) -> str:
    if not rewards["teachers"] or not rewards["allocated"]:
        return ""
    teachers = c.figure(
        "获奖励师资", rewards["teachers"], "本年度奖励基金分配到的师资人数", "faculty:funds"
    )
    amount = c.figure(
        "奖励金额（元）",
        round(rewards["allocated"]),
        "本年度奖励基金已分配金额（元）",
        "faculty:funds",
    )
    return f"设立党员教育师资专项奖励基金，向{teachers}名师资分配奖励{amount}元。"


def _city_delivery(c: Composer) -> None:
    d = c.data
    f = d.figures
    c.heading("三、以用促效，多维驱动，搭建线上线下的“展示舞台”")
    works = f["media"]["works"]["total"]
    if works:
        count = c.figure(
            "新媒体作品",
            works,
            "本年度发布的微视频、微动漫、音频、图文作品数",
            "media:list",
            rough=True,
        )
        groups = f["teaching_groups"]
        lead = (
            f"充分释放{c.figure('教研组', groups, '本区划内的教研组个数', 'faculty:list')}个教研组课程研发效能，"
            if groups
            else ""
        )
        views = f["media"]["views"]
        seen = (
            f"，累计播放{c.figure('作品播放', views, '新媒体作品累计播放次数', 'media:list', rough=True)}次"
            if views
            else ""
        )
        c.paragraph(
            f"一是着力覆盖面开展“线上”云端送课。{lead}制作微视频、微动漫等党课新媒体作品{count}部{seen}，"
            "不断提升党员教育影响力和覆盖面。"
        )
    campaign = _campaign(c)
    excellent = f["courses"]["excellent"]
    text = "二是夯实主阵地开展“线下”互动送教。"
    if excellent:
        named = "".join(f"《{t}》" for t in d.excellent_titles)
        count = c.figure("精品课程", excellent, "本年度认定的精品课程门数", "courses:list")
        text += f"遴选{named}等精品课程{count}部，"
    if campaign:
        levels = campaign["teachers_by_level"]
        sent = _join(
            [
                f"{c.figure(f'送课{word}师资', levels[key], f'为专项活动授课的{word}师资人数（按级别）', 'faculty:list')}名{word}"
                for key, word in LEVELS
                if levels.get(key)
            ]
        )
        orgs = c.figure(
            "覆盖基层党组织",
            campaign["organizations_covered"],
            "专项活动本年度已授课的基层党组织（主办或联办）个数",
            "delivery:coverage",
        )
        members = c.figure(
            "覆盖党员",
            campaign["members_reached"],
            "被覆盖基层党组织的党员人数之和",
            "delivery:coverage",
            rough=True,
        )
        lessons = c.figure(
            "专项活动授课", campaign["lessons"], "专项活动本年度已授课场次", "delivery:lessons"
        )
        name = campaign["name"]
        text += (
            f"结合党员教育师资“{name}”活动，统筹安排{sent}党员教育师资到机关、园区、学校、村（社区）"
            f"开展送课活动{lessons}场，覆盖{orgs}个基层党组织、{members}名党员。"
        )
    elif excellent:
        text += "本年度尚无专项送课活动授课记录。"
    else:
        text += "本年度尚无精品课程认定和专项送课活动授课记录。"
    c.paragraph(text, _study(c))
    if campaign:
        c.chart("levels", "送课师资按级别")
    c.table(*_campaign_table(c))
    c.chart("coverage", "各地基层党组织授课覆盖情况")
    c.table(*_coverage_table(c))
    stations = f["stations"]["total"]
    if stations:
        _loudspeakers(c, stations)


def _study(c: Composer) -> str:
    """The members' study records (学时档案): what the rules ask of each member a year, said
    only when the rosters are kept in Dangke."""
    study = c.data.figures.get("members_study") or {}
    if not study.get("registered"):
        return ""
    page = "members:completion"
    registered = c.figure("在册党员", study["registered"], "党员名册中本年度在册的党员人数", page)
    average = c.figure("人均学时", study["avg_hours"], "在册党员本年度学时的平均数", page)
    met = c.figure(
        "学时达标党员", study["target_met"],
        "本年度学时达到本人年度要求（党员32学时，书记和班子成员56学时）的党员人数", page,
    )  # fmt: skip
    rate = percent(study["target_met"], study["registered"])
    return f"全年{registered}名在册党员人均参学{average}学时，{met}名达到年度学时要求，占{rate}。"


def _loudspeakers(c: Composer, stations: int) -> None:
    f = c.data.figures
    count = c.figure(
        "大喇叭站点", stations, "村（社区）党群服务活动中心大喇叭站点数", "broadcast:stations"
    )
    villages = f["villages"]
    where = (
        f"在全市{c.figure('村（社区）', villages, '本区划内村级区划（村、社区）个数', 'regions:list')}个村（社区）"
        if villages and villages == stations
        else ""
    )
    text = (
        f"三是活用多载体构建“多维”宣传矩阵。{where}党群服务活动中心设立“大喇叭”{count}处，"
        "把党的创新理论、专业技能等作为重点内容，搭建覆盖全市的“公开课堂”"
    )
    months = {k: v for k, v in f["plays"]["by_month"].items() if v}
    if months:
        if len(months) == 1:
            ((month, plays),) = months.items()
            when = f"{int(month[5:])}月份"
        else:
            plays = sum(months.values()) // len(months)
            when = "每月固定时段"
        plays_text = c.figure(
            "大喇叭播放",
            plays,
            "大喇叭播放记录次数（多月时为有播放月份的月均）",
            "broadcast:overview",
            rough=True,
        )
        text += f"，{when}播放各类音频{plays_text}次"
    if f["listeners"]:
        listeners = c.figure(
            "收听党员群众",
            f["listeners"],
            "各站点服务覆盖的党员群众人数之和",
            "broadcast:stations",
            rough=True,
        )
        text += f"，覆盖党员群众{listeners}人"
    c.paragraph(text + "。")


def _city_innovation(c: Composer) -> None:
    f = c.data.figures
    c.heading("四、以新赋能，融合拓展，激发与时俱进的“创新活力”")
    ins = f["insights"]
    done = ins["by_state"].get("done", 0)
    if done:
        analyses = c.figure("授课分析", done, "本年度完成的授课录音分析份数", "insights:index")
        teachers = c.figure(
            "分析师资", ins["teachers"], "上传录音接受分析的师资人数", "insights:index"
        )
        c.paragraph(
            f"一是深挖科技融合“新引擎”。利用智能教学辅助软件，对{teachers}名师资的授课录音开展"
            f"分析{analyses}份，从语速、停顿到知识点讲解时长等多维度精准剖析，助力师资改进教学风格。"
        )
    else:
        c.paragraph("一是深挖科技融合“新引擎”。授课录音智能分析已上线，本年度尚无完成的分析报告。")
    alliance = _alliance_sentence(c)
    if alliance:
        c.paragraph(f"二是开拓跨域协作“新视野”。{alliance}")
    media = f["media"]
    if media["comments"] or media["danmaku"]:
        parts = []
        if media["comments"]:
            parts.append(
                f"留言{c.figure('作品留言', media['comments'], '新媒体作品的留言条数', 'media:comments')}条"
            )
        if media["danmaku"]:
            parts.append(
                f"弹幕{c.figure('作品弹幕', media['danmaku'], '新媒体作品的弹幕条数', 'media:comments')}条"
            )
        c.paragraph(
            f"{'三是' if alliance else '二是'}通过媒体平台公开课程片段，收集网友"
            + "、".join(parts)
            + "，作为改进教学的参考依据。"
        )
    c.chart("categories", "本年度授课按课程类别")
    c.chart("months", "本年度各月授课场次")


def _alliance_sentence(c: Composer) -> str:
    """Seed 004's line on the 党员教育协作联盟, from the alliances the region was an active
    member of in the year; empty when it was a member of none."""
    a = c.data.alliances
    if not a:
        return ""
    partners = c.figure(
        "协作联盟城市", a["partners"], "本年度同在协作联盟的其他成员单位数", "alliances:list"
    )
    courses = c.figure(
        "联盟共享课程", a["shared_courses"], "所在协作联盟本年度共享中的课程门数", "alliances:list"
    )
    exchanges = c.figure(
        "互派师资", a["exchanges"], "所在协作联盟本年度已同意的师资互派人次", "alliances:list"
    )
    summits = c.figure(
        "联合峰会", a["summits"], "所在协作联盟本年度联合举办的研讨峰会场数", "alliances:list"
    )
    return (
        f"与{partners}个城市建立协作联盟，共享课程{courses}门，互派师资{exchanges}人次，"
        f"联合举办峰会{summits}场。"
    )


def _city_evaluation(c: Composer) -> None:
    c.heading("五、以评增效，精准导向，筑牢提质升级的“稳固根基”")
    _evaluation(c, "一是")


def _evaluation(c: Composer, lead: str, then: str = "二是") -> None:
    d = c.data
    e = d.figures["evaluation"]
    if not e["surveys"]:
        c.paragraph(f"{lead}本年度尚未开展授课满意度测评。")
        return
    surveys = c.figure("满意度测评", e["surveys"], "本年度发起的现场测评场次", "evaluation:index")
    text = f"{lead}健全由参训学员、授课老师、培训主办方等多方参与的培训质量评估机制，全年开展现场测评{surveys}场"
    if e["responses"]:
        responses = c.figure(
            "测评答卷", e["responses"], "本年度测评收回的有效答卷份数", "evaluation:index"
        )
        roles = e["responses_by_role"]
        experts = roles.get("expert", 0)
        text += f"，收回答卷{responses}份"
        if experts:
            text += f"（其中专家{c.figure('专家答卷', experts, '专家评委提交的答卷份数', 'evaluation:index')}份）"
    if e["follow_up_surveys"]:
        follow = c.figure(
            "回访测评", e["follow_up_surveys"], "课后30天回访测评场次", "evaluation:index"
        )
        text += f"，课后回访{follow}场"
    text += "。"
    scores = d.scores
    if scores:
        n = c.figure("已发布得分", len(scores), "本年度发布得分的授课场次", "evaluation:index")
        values = sorted(s for s, _n, _ci in scores)
        mean = sum(values) / len(values)
        answers = sum(k for _s, k, _ci in scores)
        mean_text = c.figure(
            "平均得分", round(mean, 1), "已发布得分的场次平均分（百分制）", "evaluation:index"
        )
        counted = c.figure("计分答卷", answers, "已发布得分计入的答卷份数", "evaluation:index")
        text += (
            f"已发布得分的{n}场授课平均{mean_text}分（计入答卷{counted}份，每场得分均附95%置信区间），"
            f"最低{values[0]:.1f}分、最高{values[-1]:.1f}分。"
        )
        c.paragraph(text)
        c.chart("scores", "已发布授课得分分布")
    else:
        c.paragraph(text + "本年度尚无达到发布门槛的授课得分。")
    rect = d.figures["evaluation"]["rectifications"]
    parts = []
    for key, word in (
        ("open", "整改中"),
        ("passed", "复评通过"),
        ("withdrawn", "复评未通过已下架"),
    ):
        if rect.get(key):
            parts.append(
                f"{word}{c.figure(f'课程{word}', rect[key], f'本年度下达整改、目前{word}的课程数', 'evaluation:rectifications')}门"
            )
    if parts:
        c.paragraph(
            f"{then}结果运用转化“助推器”。对评价不佳课程立即下架整改、限期提升，目前"
            + "、".join(parts)
            + "。"
        )
    if e["excellent_proposals"]:
        proposals = c.figure(
            "精品推荐", e["excellent_proposals"], "按测评结果推荐为精品的课程数", "evaluation:index"
        )
        c.paragraph(f"对优质课程加大推广力度，按测评结果推荐精品课程{proposals}门。")


def _next_steps(c: Composer) -> None:
    d = c.data
    f = d.figures
    steps = []
    if d.behind_total:
        behind = c.figure(
            "未达标师资", d.behind_total, "年度考核未达标的师资人数", "faculty:review"
        )
        steps.append(f"督促{behind}名未完成年度指标的师资补足授课（名单见下表）")
    campaign = _campaign(c)
    if campaign and campaign["target_lessons"] > campaign["lessons"]:
        left = campaign["target_lessons"] - campaign["lessons"]
        steps.append(
            f"完成“{campaign['name']}”年度目标尚余的{c.figure('距目标场次', left, '专项活动目标场次减已授课场次', 'delivery:campaigns')}场授课"
        )
    rect = f["evaluation"]["rectifications"].get("open", 0)
    if rect:
        steps.append(
            f"推动{c.figure('课程整改中', rect, '本年度下达整改、目前整改中的课程数', 'evaluation:rectifications')}门整改中课程按期复评"
        )
    waiting = f["orders"]["by_state"].get("submitted", 0)
    if waiting:
        steps.append(
            f"尽快为{c.figure('待排课点单', waiting, '基层已提交、尚未排课的点单数', 'delivery:queue')}单基层点单安排师资"
        )
    c.heading("下一步工作")
    if steps:
        c.paragraph("下一步，将" + "；".join(steps) + "，推动党员教育工作持续高质量发展。")
    else:
        c.paragraph("下一步，将巩固本年度成果，推动党员教育工作持续高质量发展。")
    c.table(*_behind_table(c))


# --------------------------------------------------------------------------- county (000)


def county_report(c: Composer) -> str:
    d = c.data
    f = d.figures
    title = f"{d.region_name}{d.year}年度党员教育工作报告"
    c.blocks.append(_title(title))
    c.blocks.append(_meta(f"（{cn_date(_today())}由党课平台根据业务数据生成）"))
    _opening(
        c,
        f"今年以来，{d.region_name}聚焦破解党员教育有效覆盖不广、穿透性不强等问题，创新探索党员教育载体，"
        "推动党员教育由“任务导向”向“质量导向”转变和深化。",
    )
    c.heading("一、突出“向中心聚焦、为大局聚力”，着力提升党员教育载体政治功能和服务功能")
    campaign = _campaign(c)
    teams = f["lecture_teams"]
    if campaign:
        text = "组建基层宣讲团，"
        if teams:
            text += (
                f"形成{c.figure('宣讲队', teams, '本区划内的宣讲队支数', 'faculty:list')}支宣讲队，"
            )
        lessons = c.figure(
            "专题宣讲", campaign["lessons"], "专项活动本年度已授课场次", "delivery:lessons"
        )
        members = c.figure(
            "覆盖党员",
            campaign["members_reached"],
            "被覆盖基层党组织的党员人数之和",
            "delivery:coverage",
            rough=True,
        )
        orgs = c.figure(
            "覆盖基层党组织",
            campaign["organizations_covered"],
            "专项活动本年度已授课的基层党组织个数",
            "delivery:coverage",
        )
        text += f"开展“{campaign['name']}”宣讲{lessons}场，覆盖{orgs}个基层党组织、党员{members}名"
        if f["attendees"]:
            attendees = c.figure(
                "参学人次",
                f["attendees"],
                "本年度已授课活动签到参学人次之和",
                "delivery:lessons",
                rough=True,
            )
            text += f"，参学干部群众{attendees}人次"
        c.paragraph(text + "。", _study(c))
    else:
        c.paragraph("本年度尚无专项宣讲活动授课记录。", _study(c))
    t = f["training"]
    if t["cascade_sessions"]:
        sessions = c.figure(
            "先学后讲", t["cascade_sessions"], "学员培训后回到基层讲授的党课场次", "training:index"
        )
        text = f"创新“先学后讲”送课下乡方式，学员学成后回到基层讲党课、送党课{sessions}场次"
        if t["cascade_attendees"]:
            people = c.figure(
                "先学后讲参学",
                t["cascade_attendees"],
                "先学后讲党课的参学人次",
                "training:index",
                rough=True,
            )
            text += f"，服务干部群众{people}人次"
        c.paragraph(text + "。")
    if t["topics"]:
        topics = c.figure("研讨专题", t["topics"], "培训班论坛中的研讨话题数", "training:index")
        forums = c.figure("学员论坛", t["forums"], "开设学员论坛的培训班期数", "training:index")
        text = f"创新“课堂学+学员论”互动学习方式，开展学员论坛{forums}期，研讨专题{topics}个"
        if t["posts"]:
            text += f"、交流发言{c.figure('论坛发言', t['posts'], '论坛中公开可见的发言条数', 'training:index')}条"
        c.paragraph(text + "，巩固所学成果。")

    c.heading("二、突出“理念革新、方式创新”，着力提升党员教育载体浸润力和感染力")
    excellent = f["courses"]["excellent"]
    if excellent:
        count = c.figure("精品课程", excellent, "本年度认定的精品课程门数", "courses:list")
        named = "".join(f"《{t}》" for t in d.excellent_titles)
        c.paragraph(f"研讨定型{named}等精品课程{count}门，推动精品课程进课堂、进社区、进单位。")
    media = f["media"]
    if media["works"]["total"]:
        works = c.figure(
            "新媒体作品", media["works"]["total"], "本年度发布的新媒体作品数", "media:list"
        )
        text = f"用好本土典型资源，累计推送微视频、图文等作品{works}期"
        if media["views"]:
            views = c.figure(
                "作品播放", media["views"], "新媒体作品累计播放次数", "media:list", rough=True
            )
            if views.endswith("余"):  # more than the rounded figure: the office says 突破
                text += f"，总点击观看量突破{views.removesuffix('余')}人次"
            else:
                text += f"，总点击观看量{views}人次"
        c.paragraph(text + "，实现以常态化、浸润式教育感染人。")
    else:
        c.paragraph("本年度尚未发布新媒体作品。")
    c.chart("categories", "本年度授课按课程类别")
    c.chart("months", "本年度各月授课场次")

    c.heading("三、突出“有形有效、开门开放”，着力提升党员教育载体辐射力和影响力")
    by_category = f["courses"]["by_category"]
    kinds = [label for value, label in CourseCategory.choices if by_category.get(value)]
    if len(kinds) > 1:
        total = c.figure(
            "课程", f["courses"]["total"], "课程库中的课程门数（各状态）", "courses:list"
        )
        c.paragraph(
            "推进教学规范化、制度化建设，形成"
            + "、".join(f"{k}课程" for k in kinds)
            + f"{len(kinds)}类课程体系，课程库共有课程{total}门。"
        )
    lessons = f["lessons"]["total"]
    if lessons:
        given = c.figure("授课场次", lessons, "本年度授课场次（不含已取消）", "delivery:lessons")
        text = f"全年开展党员教育授课{given}场"
        held = d.training_held
        if held["classes"]:
            text += f"、举办培训班{c.figure('培训班', held['classes'], '本年度已开班（开班日期不晚于今天）的培训班期数', 'training:index')}期"
        if held["enrolments"]:
            text += f"、培训{c.figure('培训报名', held['enrolments'], '已开班培训班的报名人次', 'training:index')}人次"
        c.paragraph(text + "，实现学习频次由“一段时间集中突击”向“常态化滴灌”的转变。")
    alliance = _alliance_sentence(c)
    if alliance:
        c.paragraph(f"打破地域壁垒，{alliance}")
    c.table(*_campaign_table(c))
    c.chart("coverage", "各乡镇基层党组织授课覆盖情况")
    c.table(*_coverage_table(c))
    _evaluation(c, "", "")
    c.chart("levels", "送课师资按级别")
    _next_steps_county(c)
    return title


def _next_steps_county(c: Composer) -> None:
    d = c.data
    if d.behind_total:
        behind = c.figure(
            "未达标师资", d.behind_total, "年度考核未达标的师资人数", "faculty:review"
        )
        c.paragraph(
            f"同时也要看到，{behind}名师资未完成年度考核指标（名单见下表），下一步将督促补足授课。"
        )
    c.table(*_behind_table(c))


# --------------------------------------------------------------------------- tables


def _campaign_table(c: Composer):
    f = c.data.figures
    rows = []
    organizations, members = f["organizations"]["total"], f["members"]
    for x in f["campaigns"]:
        rows.append(
            [
                x["name"],
                f"{x['lessons']:,}",
                f"{x['target_lessons']:,}" if x["target_lessons"] else "—",
                percent(x["lessons"], x["target_lessons"]),
                f"{x['organizations_covered']:,}／{organizations:,}",
                f"{x['members_reached']:,}／{members:,}",
            ]
        )
    return (
        "专项活动进度",
        ["专项活动", "已授课（场）", "目标（场）", "完成率", "覆盖组织／总数", "覆盖党员／总数"],
        rows,
    )


def _coverage_table(c: Composer):
    d = c.data
    area = "乡镇（街道）" if d.is_county else "县（市、区）"
    rows = [
        [
            r["name"],
            f"{r['organizations']:,}",
            f"{r['covered']:,}",
            percent(r["covered"], r["organizations"]),
            f"{r['members_reached']:,}",
        ]
        for r in d.coverage
    ]
    if rows:
        total = sum(r["organizations"] for r in d.coverage)
        covered = sum(r["covered"] for r in d.coverage)
        reached = sum(r["members_reached"] for r in d.coverage)
        rows.append(["合计", f"{total:,}", f"{covered:,}", percent(covered, total), f"{reached:,}"])
    return (
        f"各{area}授课覆盖情况",
        [area, "基层党组织（个）", "已覆盖（个）", "覆盖率", "覆盖党员（名）"],
        rows,
    )


def _behind_table(c: Composer):
    d = c.data
    rows = [
        [
            review.teacher.name,
            review.get_level_display(),
            review.region.name,
            f"{review.lessons:,}",
            "；".join(review.shortfalls),
        ]
        for review in d.behind
    ]
    caption = "年度考核未达标师资"
    if d.behind_total > len(d.behind):
        caption += (
            f"（共{d.behind_total:,}名，此处列前{len(d.behind)}名，完整名单见师资库›年度考核）"
        )
    return caption, ["姓名", "级别", "所属区划", "授课（场）", "未达标项"], rows


def _title(text: str):
    from dangke.workreport.compose import Block

    return Block("title", text)


def _meta(text: str):
    from dangke.workreport.compose import Block

    return Block("meta", text)


def _today():
    from dangke.workreport.data import today

    return today()
