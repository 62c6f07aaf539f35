package feeds

import (
	"bytes"
	"fmt"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/ru"
)

// ContentType is the media type of a feed (RFC 5545 section 8.1).
const ContentType = "text/calendar; charset=utf-8"

// refresh is how often a calendar app is asked to read the feed again: an
// hour keeps a new assignment visible the same morning without polling
// every minute.
const refresh = "PT1H"

// alarmHour is the local hour of the working day before the target at
// which a calendar app reminds of a term.
const alarmHour = 9

// render writes items as an iCalendar file: one all-day event per item on
// its internal target date (a DATE value, the operator's local date, so no
// zone moves it), the legal term in its description, a display alarm at
// 09:00 of the working day before, and a UID per obligation, so that a
// changed term replaces its event instead of adding one. The library folds
// long lines and escapes text; it ends lines with "\n" unless told CRLF,
// which RFC 5545 section 3.1 requires and strict clients (Outlook) expect.
func (s *Service) render(items []Item, now time.Time) ([]byte, error) {
	cal := ics.NewCalendarFor("Srok")
	cal.SetProductId("-//Srok//Calendar feed//RU")
	cal.SetMethod(ics.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	cal.SetName(ru.FeedName)
	cal.SetXWRCalName(ru.FeedName)
	cal.SetXWRCalDesc(ru.FeedDescription)
	cal.SetRefreshInterval(refresh)
	cal.SetXPublishedTTL(refresh)
	stamp := now.UTC()
	for _, it := range items {
		summary := ru.FeedSummary(it.Number, it.Type, it.ObligationID)
		link := s.baseURL + "/requests/" + it.RequestID
		loc := it.Location
		if loc == nil {
			loc = time.UTC
		}
		ob, _ := deadlines.ObligationByID(it.ObligationID)
		ev := cal.AddEvent(UID(it.RequestID, it.ObligationID))
		ev.SetDtStampTime(stamp)
		ev.SetAllDayStartAt(it.Target.Start(time.UTC))
		ev.SetAllDayEndAt(it.Target.AddDays(1).Start(time.UTC))
		ev.SetSummary(summary)
		ev.SetDescription(ru.FeedEventText(it.Target, it.Legal, it.DueAt, ob.Term.Unit == deadlines.Hours, loc, it.Basis, link))
		ev.SetURL(link)
		ev.SetTimeTransparency(ics.TransparencyTransparent)
		al := ev.AddAlarm()
		al.SetAction(ics.ActionDisplay)
		al.SetTrigger(s.alarmTrigger(it.Target))
		al.SetProperty(ics.ComponentPropertyDescription, ru.FeedAlarm(summary, it.Target))
	}
	var b bytes.Buffer
	if err := cal.SerializeTo(&b, ics.WithNewLine("\r\n")); err != nil {
		return nil, fmt.Errorf("feeds: unable to write the calendar: %w", err)
	}
	return b.Bytes(), nil
}

// UID is the stable identifier of an obligation's event (RFC 5545 section
// 3.8.4.7): the request's id (a UUID, unique across installations) and the
// obligation's.
func UID(requestID, obligationID string) string {
	return requestID + "." + obligationID + "@srok"
}

// alarmTrigger is the TRIGGER of an all-day event on target (relative to its
// start, 00:00): 09:00 of the working day before on the production
// calendar, or of the calendar day before outside the calendar's years.
func (s *Service) alarmTrigger(target calendar.Date) string {
	before := target.AddDays(-1)
	if s.cals != nil {
		if d, err := s.cals.Current().PrevWorkingDay(target); err == nil {
			before = d
		}
	}
	days := int(target - before)
	// From 00:00 of target back to alarmHour of before: days-1 whole days
	// and 24-alarmHour hours.
	if days <= 1 {
		return fmt.Sprintf("-PT%dH", 24-alarmHour)
	}
	return fmt.Sprintf("-P%dDT%dH", days-1, 24-alarmHour)
}
