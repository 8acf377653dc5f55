"""What `learncity demo` loads: the real public data when it is there (and nothing invented
beside it unless `demo_activity` asks, labelled), else the demo city with its one story."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any


def demo_load(
    *,
    data_dir: Path | None,
    demo_activity: bool = False,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Real mode (`data_dir`): the real data only; with `demo_activity`, demo enrolment on a
    few real schedules and a demo voucher with demo projects (named "(데모)"). Demo mode: the
    invented city dated from `today`, its accounts (random passwords, returned once) and its
    enrolment story (demo.offers.demo_story_open)."""
    from learncity.demo.offers import (
        demo_offers_open,
        demo_sessions_expand,
        demo_story_open,
        demo_vouchers_open,
    )

    if data_dir is not None:
        from learncity.demo.real import real_regions_load

        loaded = real_regions_load(data_dir)
        if demo_activity:
            loaded["demo_activity"] = True
            loaded["offers"] = demo_offers_open()
            loaded["sessions"] = demo_sessions_expand()
            loaded["vouchers"] = demo_vouchers_open()
        return loaded

    from django.utils import timezone

    from learncity.demo.accounts import demo_accounts_create
    from learncity.demo.city import INSTITUTIONS, STAFF_INSTITUTION, demo_city_load
    from learncity.demo.city_setting import demo_city_set

    now = now or timezone.now()  # today's smartphone class meets at this hour (the kiosk)
    loaded = demo_city_load(today=today, now=now)
    loaded["city"] = demo_city_set()
    loaded["accounts"] = demo_accounts_create(
        institution_id=loaded["institution_ids"][STAFF_INSTITUTION],
        district_code=INSTITUTIONS[STAFF_INSTITUTION][2],
    )
    story = demo_story_open(today=today, now=now)
    loaded["offers"], loaded["sessions"] = story["offers"], story["sessions"]
    loaded["story"] = story
    loaded["vouchers"] = demo_vouchers_open()
    return loaded
