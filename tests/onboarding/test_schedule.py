"""The date arithmetic of the three meetings: pure functions, many dates."""

from datetime import date, timedelta

import pytest

from app.onboarding.schedule import add_months, check_dates, default_meetings


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),       # leap year
    (date(2028, 2, 29), 12, date(2029, 2, 28)),
    (date(2028, 2, 29), 48, date(2032, 2, 29)),
    (date(2026, 3, 31), 1, date(2026, 4, 30)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2027, 8, 31), 6, date(2028, 2, 29)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 7, 31), 6, date(2027, 1, 31)),
    (date(2026, 5, 1), 0, date(2026, 5, 1)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 1, 15), -13, date(2024, 12, 15)),
    (date(2099, 12, 31), 1, date(2100, 1, 31)),
])
def test_add_months_clamps_to_the_end_of_the_month(start, months, expected):
    assert add_months(start, months) == expected


def test_a_long_contract_has_three_meetings_at_start_one_month_and_six_months():
    assert default_meetings(date(2026, 1, 31), date(2027, 1, 30)) == [
        ("start", date(2026, 1, 31)), ("one_month", date(2026, 2, 28)),
        ("final", date(2026, 7, 31))]


def test_a_cdi_without_end_date_has_its_final_meeting_six_months_after_the_start():
    assert default_meetings(date(2027, 8, 31), None) == [
        ("start", date(2027, 8, 31)), ("one_month", date(2027, 9, 30)),
        ("final", date(2028, 2, 29))]


def test_the_final_meeting_is_two_weeks_before_an_end_that_comes_first():
    # A four-month CDD: six months would be after the end.
    assert default_meetings(date(2026, 3, 1), date(2026, 6, 30)) == [
        ("start", date(2026, 3, 1)), ("one_month", date(2026, 4, 1)),
        ("final", date(2026, 6, 16))]


def test_the_earlier_of_six_months_and_two_weeks_before_the_end_exactly_on_the_boundary():
    start = date(2026, 1, 10)
    six_months = date(2026, 7, 10)
    assert default_meetings(start, date(2026, 7, 24))[-1] == ("final", six_months)
    assert default_meetings(start, date(2026, 7, 23))[-1] == ("final", date(2026, 7, 9))


def test_the_accompaniment_length_replaces_six_months():
    assert default_meetings(date(2026, 1, 31), None, months=3)[-1] == ("final",
                                                                      date(2026, 4, 30))


def test_a_contract_shorter_than_a_month_has_a_start_and_a_final_meeting():
    # Three weeks: one month later would be after the end; the final meeting is two
    # weeks before the end.
    assert default_meetings(date(2026, 3, 2), date(2026, 3, 22)) == [
        ("start", date(2026, 3, 2)), ("final", date(2026, 3, 8))]


def test_a_contract_of_two_weeks_or_less_has_its_final_meeting_on_its_last_day():
    assert default_meetings(date(2026, 3, 2), date(2026, 3, 16)) == [
        ("start", date(2026, 3, 2)), ("final", date(2026, 3, 16))]
    assert default_meetings(date(2026, 3, 2), date(2026, 3, 5)) == [
        ("start", date(2026, 3, 2)), ("final", date(2026, 3, 5))]


def test_a_one_day_contract_has_a_single_meeting():
    assert default_meetings(date(2026, 3, 2), date(2026, 3, 2)) == [("start", date(2026, 3, 2))]


def test_the_one_month_meeting_is_dropped_when_it_would_not_come_before_the_final_one():
    # Six weeks: the final meeting (two weeks before the end) falls on the one-month day.
    assert default_meetings(date(2026, 3, 1), date(2026, 4, 15)) == [
        ("start", date(2026, 3, 1)), ("final", date(2026, 4, 1))]
    # A few days more and both fit.
    assert default_meetings(date(2026, 3, 1), date(2026, 4, 20)) == [
        ("start", date(2026, 3, 1)), ("one_month", date(2026, 4, 1)),
        ("final", date(2026, 4, 6))]


def test_meetings_are_in_order_and_inside_the_contract_for_four_years_of_starts():
    for offset in range(0, 4 * 366):
        start = date(2024, 1, 1) + timedelta(days=offset)
        for length in (0, 1, 13, 14, 15, 20, 27, 31, 45, 60, 100, 200, 400, None):
            end = None if length is None else start + timedelta(days=length)
            meetings = default_meetings(start, end)
            days = [day for _, day in meetings]
            assert days == sorted(days) and len(set(days)) == len(days), (start, end)
            assert meetings[0] == ("start", start)
            if end is not None:
                assert days[-1] <= end, (start, end)
            kinds = [kind for kind, _ in meetings]
            assert kinds in (["start"], ["start", "final"], ["start", "one_month", "final"])
            if length is None or length > 200:
                assert kinds == ["start", "one_month", "final"]
                assert days[1] == add_months(start, 1)


def test_check_dates_refuses_what_a_person_would_mistype():
    assert check_dates(None, None) == ("start_on", "Indiquez la date de début du contrat.")
    assert check_dates(date(2026, 5, 1), date(2026, 4, 30))[0] == "end_on"
    assert check_dates(date(1900, 1, 1), None)[0] == "start_on"
    assert check_dates(date(2026, 1, 1), date(9999, 12, 31))[0] == "end_on"
    assert check_dates(date(2026, 1, 1), date(2026, 1, 1)) is None
    assert check_dates(date(2026, 1, 1), None) is None
