"""The indicator registry: what each indicator of the city console means, as data.

Every indicator has a stable id, Korean and English names, a definition in both languages, a
unit, a dimension (supply, participation, operations, outcome, unesco, equity), a `proxy` flag
(True where the number is a computable stand-in that we define ourselves for something the
research names but does not measure: the four outcome dimensions of the research paper and
UNESCO's building blocks) and its formula over the platform's tables. The computation lives
in `learncity.algorithms.indicators` under the same ids; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from learncity.algorithms import indicators as compute

DIMENSIONS: dict[str, tuple[str, str]] = {
    "supply": ("공급", "Supply"),
    "participation": ("참여", "Participation"),
    "operations": ("운영", "Operations"),
    "outcome": ("성과 (대리지표)", "Outcomes (proxies)"),
    "unesco": ("UNESCO 구성요소 (대리지표)", "UNESCO building blocks (proxies)"),
    "equity": ("형평성", "Equity"),
}

UNITS: dict[str, tuple[str, str]] = {
    "per_10k": ("주민 1만 명당", "per 10,000 residents"),
    "percent": ("%", "%"),
    "ratio": ("배", "times"),
    "index": ("지수", "index"),
    "per_1k": ("주민 1천 명당", "per 1,000 residents"),
    "per_10k_working": ("생산가능인구(15~64세) 1만 명당", "per 10,000 residents aged 15-64"),
    "hours_per_1k": ("주민 1천 명당 시간", "hours per 1,000 residents"),
    "points": ("차이 (원래 단위)", "difference (in the indicator's unit)"),
}


@dataclass(frozen=True)
class IndicatorDef:
    id: str
    name_ko: str
    name_en: str
    definition_ko: str
    definition_en: str
    unit: str
    dimension: str
    proxy: bool
    formula: str
    scale: float
    levels: tuple[str, ...]

    @property
    def unit_ko(self) -> str:
        return UNITS[self.unit][0]

    @property
    def unit_en(self) -> str:
        return UNITS[self.unit][1]


_CATEGORY_NAMES = {
    "literacy": ("기초문해", "basic literacy"),
    "academic": ("학력보완", "academic completion"),
    "vocational": ("직업능력", "vocational skills"),
    "culture_arts": ("문화예술", "culture and arts"),
    "humanities": ("인문교양", "humanities"),
    "civic": ("시민참여", "civic participation"),
    "career": ("성인진로개발", "adult career development"),
}

_GROUP_NAMES = {
    "senior": ("어르신(65세 이상)", "seniors (65+)"),
    "disability": ("장애인", "people with disabilities"),
    "low_income": ("저소득층", "people on low income"),
    "multicultural": ("다문화가족", "multicultural families"),
}

# Where a course is counted: the district and neighbourhood of its venue (or of its
# institution when the venue has none). Where a participant is counted: where they live.
_PLACE = (
    "강좌 장소(기관)의 시·군·구·읍·면·동 기준",
    "counted where the course takes place (its venue, else its institution)",
)
_HOME = (
    "참여자는 주소지(시·군·구·읍·면·동) 기준",
    "participants counted where they live",
)
_PERIOD = (
    "기간: 강좌(일정) 시작일 또는 학기 기준",
    "period: a course belongs to the period (year, month, term) in which it starts",
)


def _def(
    id: str,
    name_ko: str,
    name_en: str,
    definition_ko: str,
    definition_en: str,
    *,
    unit: str,
    dimension: str,
    formula: str,
    proxy: bool = False,
) -> IndicatorDef:
    spec = compute.SPECS[id]
    return IndicatorDef(
        id=id,
        name_ko=name_ko,
        name_en=name_en,
        definition_ko=definition_ko,
        definition_en=definition_en,
        unit=unit,
        dimension=dimension,
        proxy=proxy,
        formula=formula,
        scale=spec.scale,
        levels=spec.levels,
    )


def _supply() -> list[IndicatorDef]:
    out = [
        _def(
            "supply.programmes_per_10k",
            "주민 1만 명당 프로그램 수",
            "Programmes per 10,000 residents",
            f"기간에 개설된 프로그램 수 ÷ 주민등록 인구 × 10,000. {_PLACE[0]}.",
            f"Distinct programmes with a course in the period ÷ resident population × 10,000; "
            f"{_PLACE[1]}.",
            unit="per_10k",
            dimension="supply",
            formula="count distinct courses.programme_id / sum population.count * 10000",
        ),
        _def(
            "supply.seats_per_10k",
            "주민 1만 명당 정원",
            "Seats per 10,000 residents",
            f"기간에 시작하는 강좌 정원의 합 ÷ 인구 × 10,000. {_PLACE[0]}.",
            f"Sum of the capacity of the period's courses ÷ population × 10,000; {_PLACE[1]}.",
            unit="per_10k",
            dimension="supply",
            formula="sum courses.capacity / sum population.count * 10000",
        ),
        _def(
            "supply.venues_per_10k",
            "주민 1만 명당 학습 장소 수",
            "Learning venues per 10,000 residents",
            "학습 장소 수 (기간이 정해지면 그 기간 프로그램이 쓰는 장소) ÷ 인구 × 10,000.",
            "Learning venues (with a period: those the period's programmes use) ÷ population "
            "× 10,000; counted where the venue is.",
            unit="per_10k",
            dimension="supply",
            formula="count distinct venues.venue_id / sum population.count * 10000",
        ),
    ]
    for category, (ko, en) in _CATEGORY_NAMES.items():
        out.append(
            _def(
                f"supply.category_share.{category}",
                f"영역 구성: {ko}",
                f"Category mix: {en}",
                f"프로그램 중 '{ko}' 영역의 비율 (평생교육 6진 분류 + 성인진로개발; "
                "미분류 프로그램도 분모에 포함).",
                f"Share of programmes in the area '{en}' (the 6 + 1 areas of lifelong "
                "education; unclassified programmes stay in the denominator).",
                unit="percent",
                dimension="supply",
                formula=f"count programmes where category = '{category}' / count programmes * 100",
            )
        )
    out += [
        _def(
            "supply.category_evenness",
            "영역 균형도",
            "Evenness of the category mix",
            "7개 영역의 프로그램 분포의 정규화 섀넌 엔트로피 (0: 한 영역에만, 1: 고르게).",
            "Normalised Shannon entropy of the programmes over the 7 areas (0: all in one "
            "area, 1: evenly spread).",
            unit="index",
            dimension="supply",
            formula="-sum p_c ln p_c / ln 7, p_c = programmes in area c / classified programmes",
        ),
        _def(
            "supply.free_share",
            "무료 프로그램 비율",
            "Share of free programmes",
            "수강료가 0원인 프로그램 ÷ 수강료가 기재된 프로그램.",
            "Programmes with a fee of 0 won ÷ programmes whose fee is stated.",
            unit="percent",
            dimension="supply",
            formula="count programmes where fee_krw = 0 / count programmes where fee_krw "
            "is not null * 100",
        ),
        _def(
            "supply.online_share",
            "온라인·혼합 프로그램 비율",
            "Share of online or hybrid programmes",
            "온라인 또는 혼합(블렌디드) 방식 프로그램 ÷ 전체 프로그램.",
            "Programmes run online or hybrid ÷ all programmes.",
            unit="percent",
            dimension="supply",
            formula="count programmes where mode in (online, hybrid) / count programmes * 100",
        ),
        _def(
            "supply.accredited_share",
            "평가인정 프로그램 비율",
            "Share of accredited programmes",
            "학점은행제 또는 평생학습계좌제 평가인정 프로그램 ÷ 전체 프로그램.",
            "Programmes accredited by the credit bank or the lifelong learning account ÷ "
            "all programmes.",
            unit="percent",
            dimension="supply",
            formula="count programmes where credit_bank or learning_account / count "
            "programmes * 100",
        ),
    ]
    return out


def _participation() -> list[IndicatorDef]:
    out = [
        _def(
            "participation.rate",
            "학습 참여율",
            "Participation rate",
            f"기간에 확정된 신청이 있는 학습자 수(중복 제외) ÷ 주민등록 인구. {_HOME[0]}.",
            f"Distinct learners with a confirmed application to a course of the period ÷ "
            f"resident population; {_HOME[1]}.",
            unit="percent",
            dimension="participation",
            formula="count distinct applications.learner_id where status = confirmed / "
            "sum population.count * 100",
        )
    ]
    for band in compute.AGE_BANDS:
        ko = f"{band.low}세 이상" if band.high >= 100 else f"{band.low}~{band.high}세"
        en = f"aged {band.low}+" if band.high >= 100 else f"aged {band.low}-{band.high}"
        out.append(
            _def(
                f"participation.age.{band.id}",
                f"연령별 참여율: {ko}",
                f"Participation rate, {en}",
                f"{ko} 참여자 수 ÷ {ko} 인구 (나이 = 기준연도 − 출생연도). {_HOME[0]}.",
                f"Distinct participants {en} ÷ residents {en} (age = reference year − birth "
                f"year); {_HOME[1]}.",
                unit="percent",
                dimension="participation",
                formula=f"count distinct participants with {band.low} <= age <= {band.high} "
                f"/ sum population.count where {band.low} <= age <= {band.high} * 100",
            )
        )
    for group, (ko, en) in _GROUP_NAMES.items():
        if group == "senior":
            definition = (
                "65세 이상 참여자 ÷ 가입한 65세 이상 학습자 (등록 학습자 중 참여한 비율; "
                "인구 대비는 연령별 참여율 65세 이상을 보십시오).",
                "Participants aged 65+ ÷ registered learners aged 65+ (the reach among the "
                "group's registered learners; against the population see the 65+ age band).",
            )
        else:
            definition = (
                f"{ko} 참여자 ÷ 가입한 {ko} 학습자 (해당 집단의 인구 통계가 없어 등록 "
                "학습자 대비).",
                f"Participants who are {en} ÷ registered learners who are {en} (the group's "
                "population is not in the platform's data, so registered learners are the "
                "denominator).",
            )
        out.append(
            _def(
                f"participation.group.{group}",
                f"집단별 참여: {ko}",
                f"Participation of {en}",
                *definition,
                unit="percent",
                dimension="participation",
                formula=f"count distinct participants in group {group} / count learners in "
                f"group {group} * 100",
            )
        )
    out += [
        _def(
            "participation.repeat",
            "재참여 학습자 비율",
            "Share of repeat learners",
            "기간 참여자 중 이전 기간에도 참여한 학습자의 비율 (기간을 정하지 않으면 2개 "
            "이상 강좌에 참여한 학습자).",
            "Share of the period's participants who also took part in a course that started "
            "before the period (without a period: learners in two or more courses).",
            unit="percent",
            dimension="participation",
            formula="count participants with an earlier confirmed course / count "
            "participants * 100",
        ),
        _def(
            "participation.first_time",
            "첫 참여 학습자 비율",
            "Share of first-time learners",
            "기간 참여자 중 처음으로 참여한 학습자의 비율 (기간을 정하지 않으면 강좌 1개에만 "
            "참여한 학습자).",
            "Share of the period's participants whose first course is in the period "
            "(without a period: learners in exactly one course).",
            unit="percent",
            dimension="participation",
            formula="count participants without an earlier confirmed course / count "
            "participants * 100",
        ),
    ]
    return out


def _operations() -> list[IndicatorDef]:
    return [
        _def(
            "operations.fill_rate",
            "정원 충족률",
            "Fill rate",
            f"확정 신청 ÷ 모집 정원 (신청을 받는 강좌). {_PLACE[0]}.",
            f"Confirmed applications ÷ capacity of the courses that take applications; "
            f"{_PLACE[1]}.",
            unit="percent",
            dimension="operations",
            formula="count applications where status = confirmed / sum offers.capacity * 100",
        ),
        _def(
            "operations.waitlist_pressure",
            "대기 압력",
            "Waitlist pressure",
            "대기 중인 신청 ÷ 모집 정원.",
            "Waitlisted applications ÷ capacity.",
            unit="percent",
            dimension="operations",
            formula="count applications where status = waitlisted / sum offers.capacity * 100",
        ),
        _def(
            "operations.lottery_oversubscription",
            "추첨 경쟁률",
            "Lottery oversubscription",
            "추첨 강좌의 전체 신청 ÷ 추첨 강좌 정원 (1보다 크면 초과 신청).",
            "All applications to lottery courses ÷ their capacity (above 1: oversubscribed).",
            unit="ratio",
            dimension="operations",
            formula="count applications of lottery offers / sum capacity of lottery offers",
        ),
        _def(
            "operations.no_show_rate",
            "노쇼(결석)율",
            "No-show rate",
            "출석 기록 중 결석 ÷ (출석 + 지각 + 결석); 공결은 제외.",
            "Attendance records marked absent ÷ (present + late + absent); excused absences "
            "left out.",
            unit="percent",
            dimension="operations",
            formula="count attendance where status = absent / count attendance where status "
            "in (present, late, absent) * 100",
        ),
        _def(
            "operations.completion_rate",
            "수료율",
            "Completion rate",
            "끝난 강좌의 수료자 ÷ 끝난 강좌의 확정 신청.",
            "Completions ÷ confirmed applications, over courses that have ended.",
            unit="percent",
            dimension="operations",
            formula="count completions / count applications where status = confirmed, "
            "courses with end_date < as_of * 100",
        ),
        _def(
            "operations.cancellation_rate",
            "취소율",
            "Cancellation rate",
            "취소된 신청 ÷ 전체 신청.",
            "Cancelled applications ÷ all applications.",
            unit="percent",
            dimension="operations",
            formula="count applications where status = cancelled / count applications * 100",
        ),
    ]


_PROXY_KO = "우리가 정의한 대리지표입니다"
_PROXY_EN = "a proxy we define"


def _outcomes() -> list[IndicatorDef]:
    return [
        _def(
            "outcome.quality_of_life",
            "삶의 질 (대리지표)",
            "Quality of life (proxy)",
            f"문화예술·인문교양(건강심성 포함) 강좌 참여자 ÷ 인구 ({_PROXY_KO}: 연구의 "
            f"'삶의 질' 차원 — 여가·문화·건강 학습). {_HOME[0]}.",
            f"Distinct participants in culture & arts or humanities (incl. health) courses ÷ "
            f"population ({_PROXY_EN} for the research's quality-of-life dimension); "
            f"{_HOME[1]}.",
            unit="percent",
            dimension="outcome",
            proxy=True,
            formula="count distinct participants in courses with category in (culture_arts, "
            "humanities) / sum population.count * 100",
        ),
        _def(
            "outcome.economy",
            "경제 (대리지표)",
            "Economy (proxy)",
            f"직업능력·성인진로개발 강좌 수료 ÷ 15~64세 인구 × 10,000 ({_PROXY_KO}: "
            f"'경제' 차원). {_HOME[0]}.",
            f"Completions of vocational or career courses ÷ residents aged 15-64 × 10,000 "
            f"({_PROXY_EN} for the economy dimension); {_HOME[1]}.",
            unit="per_10k_working",
            dimension="outcome",
            proxy=True,
            formula="count completions in courses with category in (vocational, career) / "
            "sum population.count where 15 <= age <= 64 * 10000",
        ),
        _def(
            "outcome.human_resources",
            "인적자원 (대리지표)",
            "Human resources (proxy)",
            f"평가인정(학점은행제·평생학습계좌제) 강좌의 이수 시간(학습이력) ÷ 인구 × 1,000 "
            f"({_PROXY_KO}: '인적자원' 차원). {_HOME[0]}.",
            f"Hours attended in accredited courses (credit bank or learning account), from "
            f"the learning record, ÷ population × 1,000 ({_PROXY_EN} for the human resources "
            f"dimension); {_HOME[1]}.",
            unit="hours_per_1k",
            dimension="outcome",
            proxy=True,
            formula="sum records.attended_minutes / 60 where accredited / sum "
            "population.count * 1000",
        ),
        _def(
            "outcome.social_integration",
            "사회통합 (대리지표)",
            "Social integration (proxy)",
            f"참여자 중 취약계층(65세 이상·장애인·저소득층·다문화) 비율 ÷ 가입 학습자 중 그 "
            f"비율 (1: 비례, 1 초과: 더 많이 참여; {_PROXY_KO}: '사회통합' 차원).",
            f"Share of vulnerable-group members (65+, disability, low income, "
            f"multicultural) among participants ÷ their share among registered learners "
            f"(1: in proportion, above 1: over-represented; {_PROXY_EN} for the social "
            f"integration dimension).",
            unit="ratio",
            dimension="outcome",
            proxy=True,
            formula="(vulnerable participants / participants) / (vulnerable learners / learners)",
        ),
    ]


def _unesco() -> list[IndicatorDef]:
    return [
        _def(
            "unesco.education_system",
            "교육체계 내 포용적 학습 (대리지표)",
            "Inclusive learning in the education system (proxy)",
            f"기초문해·학력보완 프로그램의 비율 ({_PROXY_KO}).",
            f"Share of programmes in basic literacy or academic completion ({_PROXY_EN}).",
            unit="percent",
            dimension="unesco",
            proxy=True,
            formula="count programmes where category in (literacy, academic) / count "
            "programmes * 100",
        ),
        _def(
            "unesco.families_communities",
            "가정·지역사회 학습 (대리지표)",
            "Learning in families and communities (proxy)",
            f"학습 장소가 있는 읍·면·동 ÷ 전체 읍·면·동 (평생교육법의 '읍·면·동마다 하나'; "
            f"{_PROXY_KO}).",
            f"Neighbourhoods (읍·면·동) with at least one learning venue ÷ all "
            f"neighbourhoods (the law's 'one learning centre per 읍·면·동'; {_PROXY_EN}).",
            unit="percent",
            dimension="unesco",
            proxy=True,
            formula="count neighbourhoods with a venue / count neighbourhoods * 100",
        ),
        _def(
            "unesco.workplace",
            "일터의 학습 (대리지표)",
            "Learning in the workplace (proxy)",
            f"직업능력·성인진로개발 강좌 참여자 ÷ 15~64세 인구 ({_PROXY_KO}). {_HOME[0]}.",
            f"Distinct participants in vocational or career courses ÷ residents aged 15-64 "
            f"({_PROXY_EN}); {_HOME[1]}.",
            unit="percent",
            dimension="unesco",
            proxy=True,
            formula="count distinct participants in courses with category in (vocational, "
            "career) / sum population.count where 15 <= age <= 64 * 100",
        ),
        _def(
            "unesco.learning_technologies",
            "학습 기술의 활용 (대리지표)",
            "Modern learning technologies (proxy)",
            f"확정 신청 중 온라인·혼합 강좌의 비율 ({_PROXY_KO}).",
            f"Share of confirmed applications that are to online or hybrid courses ({_PROXY_EN}).",
            unit="percent",
            dimension="unesco",
            proxy=True,
            formula="count confirmed applications to online/hybrid courses / count confirmed "
            "applications * 100",
        ),
        _def(
            "unesco.quality",
            "학습의 질 (대리지표)",
            "Quality in learning (proxy)",
            f"출석 기록 중 출석·지각·공결의 비율 ({_PROXY_KO}).",
            f"Share of attendance records that are present, late or excused ({_PROXY_EN}).",
            unit="percent",
            dimension="unesco",
            proxy=True,
            formula="count attendance where status in (present, late, excused) / count "
            "attendance * 100",
        ),
        _def(
            "unesco.culture_of_learning",
            "평생학습 문화 (대리지표)",
            "Vibrant culture of learning (proxy)",
            f"확정 신청(참여 건수) ÷ 인구 × 100 ({_PROXY_KO}). {_HOME[0]}.",
            f"Confirmed applications (participations) ÷ population × 100 ({_PROXY_EN}); "
            f"{_HOME[1]}.",
            unit="percent",
            dimension="unesco",
            proxy=True,
            formula="count applications where status = confirmed / sum population.count * 100",
        ),
    ]


def _equity() -> list[IndicatorDef]:
    out = []
    for source, ko, en in (
        ("programmes", "1만 명당 프로그램 수", "programmes per 10,000 residents"),
        ("participation", "참여율", "the participation rate"),
    ):
        out += [
            _def(
                f"equity.gini.{source}",
                f"시·군·구 간 지니계수: {ko}",
                f"Gini index across districts of {en}",
                f"시·군·구별 {ko}의 인구 가중 지니계수 (0: 완전 균등, 1에 가까울수록 불균등).",
                f"Population-weighted Gini index of {en} across districts (0: equal; nearer "
                f"1: less equal).",
                unit="index",
                dimension="equity",
                formula="sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mean), w = population",
            ),
            _def(
                f"equity.theil.{source}",
                f"시·군·구 간 타일지수: {ko}",
                f"Theil index across districts of {en}",
                f"시·군·구별 {ko}의 인구 가중 타일지수 T (0: 완전 균등).",
                f"Population-weighted Theil T index of {en} across districts (0: equal).",
                unit="index",
                dimension="equity",
                formula="sum_i (w_i / W) (x_i / mean) ln(x_i / mean), w = population",
            ),
            _def(
                f"equity.gap.{source}",
                f"최고·최저 시·군·구 격차: {ko}",
                f"Gap between the best- and worst-served districts in {en}",
                f"{ko}이(가) 가장 높은 시·군·구와 가장 낮은 시·군·구의 차이.",
                f"The best-served district's value of {en} minus the worst-served one's.",
                unit="points",
                dimension="equity",
                formula="max_i x_i - min_i x_i over districts with residents",
            ),
        ]
    return out


def indicator_registry() -> list[IndicatorDef]:
    """The built-in indicators, in the console's order."""
    return _supply() + _participation() + _operations() + _outcomes() + _unesco() + _equity()


REGISTRY: dict[str, IndicatorDef] = {d.id: d for d in indicator_registry()}
