package web

import (
	"fmt"
	"time"

	"github.com/srok/srok/pkg/srok"
)

// Russian words for what the pages show, in one place.

// roleNames are the roles as the pages name them.
var roleNames = map[srok.Role]string{
	srok.RoleAdmin: "администратор",
	// 152-FZ art. 22.1: лицо, ответственное за организацию обработки
	// персональных данных.
	srok.RoleOfficer:  "ответственный за организацию обработки персональных данных",
	srok.RoleOperator: "оператор",
	srok.RoleViewer:   "наблюдатель (только просмотр)",
}

// roleName is the role in Russian, or its code when it has no name.
func roleName(r srok.Role) string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return string(r)
}

// plural picks the Russian form of a count: one (1, 21, 101), few (2–4,
// 22–24) or many (0, 5–20, 25–30, 11–14 too).
func plural(n int, one, few, many string) string {
	n %= 100
	switch {
	case n >= 11 && n <= 14:
		return many
	case n%10 == 1:
		return one
	case n%10 >= 2 && n%10 <= 4:
		return few
	}
	return many
}

// retryIn says when a locked sign-in may be tried again, d from now, and
// at what time of the clock's location: «через 15 минут (в 09:15)». A wait
// under a minute is said in seconds; longer ones, and the time, round up to
// the minute: the page must not send anyone back too early.
func retryIn(d time.Duration, now time.Time) string {
	at := now.Add(d)
	if t := at.Truncate(time.Minute); !t.Equal(at) {
		at = t.Add(time.Minute)
	}
	if n := max(int((d+time.Second-1)/time.Second), 1); n < 60 {
		return fmt.Sprintf("через %d %s", n, plural(n, "секунду", "секунды", "секунд"))
	}
	n := int((d + time.Minute - 1) / time.Minute)
	return fmt.Sprintf("через %d %s (в %s)", n, plural(n, "минуту", "минуты", "минут"), at.Format("15:04"))
}
