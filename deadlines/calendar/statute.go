package calendar

import "time"

// statutoryHoliday is a non-working holiday (нерабочий праздничный день) of
// Labour Code art. 112 part 1, as in force since 2013 (Federal Law of
// 23.04.2012 No. 35-FZ).
type statutoryHoliday struct {
	month time.Month
	day   int
	name  string
	// movable is true when a holiday that falls on a weekend moves the day off
	// to the next working day by the law itself (Labour Code art. 112 part 2).
	// The New Year holidays and Christmas (1-8 January) are excluded there:
	// their weekend days are moved only by the Government's yearly decree.
	movable bool
}

// statutoryHolidays lists Labour Code art. 112 part 1 in calendar order.
var statutoryHolidays = [...]statutoryHoliday{
	{time.January, 1, "Новогодние каникулы", false},
	{time.January, 2, "Новогодние каникулы", false},
	{time.January, 3, "Новогодние каникулы", false},
	{time.January, 4, "Новогодние каникулы", false},
	{time.January, 5, "Новогодние каникулы", false},
	{time.January, 6, "Новогодние каникулы", false},
	{time.January, 7, "Рождество Христово", false},
	{time.January, 8, "Новогодние каникулы", false},
	{time.February, 23, "День защитника Отечества", true},
	{time.March, 8, "Международный женский день", true},
	{time.May, 1, "Праздник Весны и Труда", true},
	{time.May, 9, "День Победы", true},
	{time.June, 12, "День России", true},
	{time.November, 4, "День народного единства", true},
}

// statutoryHolidayOn returns the Labour Code art. 112 holiday on d, if any.
func statutoryHolidayOn(d Date) (statutoryHoliday, bool) {
	_, m, day := d.Civil()
	for _, h := range statutoryHolidays {
		if h.month == m && h.day == day {
			return h, true
		}
	}
	return statutoryHoliday{}, false
}

// statutoryYear builds the calendar of a year for which no Government decree
// is known: Saturdays and Sundays off (Labour Code art. 111), the holidays of
// art. 112 part 1, and a holiday falling on a weekend moving the day off to the
// next working day (art. 112 part 2), except for 1-8 January. The result is
// marked provisional: the decree may move days differently.
func statutoryYear(year int) Year {
	y := Year{Year: year, Provisional: true}
	taken := map[Date]bool{}
	for _, h := range statutoryHolidays {
		d := NewDate(year, h.month, h.day)
		if !d.IsWeekend() {
			y.NonworkingWeekdays = append(y.NonworkingWeekdays, d)
			taken[d] = true
		}
	}
	for _, h := range statutoryHolidays {
		d := NewDate(year, h.month, h.day)
		if !h.movable || !d.IsWeekend() {
			continue
		}
		to := d.AddDays(1)
		for to.IsWeekend() || taken[to] {
			to = to.AddDays(1)
		}
		taken[to] = true
		y.NonworkingWeekdays = append(y.NonworkingWeekdays, to)
		y.Transfers = append(y.Transfers, Transfer{From: d, To: to})
	}
	sortDates(y.NonworkingWeekdays)
	y.WorkingDays = y.countWorkingDays()
	return y
}
