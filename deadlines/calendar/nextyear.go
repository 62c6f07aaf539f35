package calendar

import "time"

// NextYearNoticeFrom is the month from whose first day the missing decree
// of the next year is worth a warning. The Government moves the days off of
// a year by a decree published the year before (Labour Code art. 112 part
// 5): for 2026 on 24.09.2025, for 2027 on 17.09.2026. By October it is
// usually out, and a term of 10 working days received from mid-December
// already reaches into the next year.
const NextYearNoticeFrom = time.October

// UndecreedNextYear returns the year after today when it still has no
// decree data and today is on or after 1 October (NextYearNoticeFrom); 0
// before October, once the year has a decree, or when year cannot tell
// (the year is out of the calendar's range). year looks a year up in the
// calendar in use (Calendar.Year): a provisional year counts as missing.
func UndecreedNextYear(today Date, year func(y int) (Year, error)) int {
	y, m, _ := today.Civil()
	if m < NextYearNoticeFrom {
		return 0
	}
	next, err := year(y + 1)
	if err != nil || !next.Provisional {
		return 0
	}
	return y + 1
}
