package ru

import (
	"fmt"

	"github.com/srok/srok/pkg/register"
)

// JournalTitle is the name of the journal of requests, as its file and its
// sheet are titled.
const JournalTitle = "Журнал учета обращений субъектов персональных данных"

// JournalSheet is the name of the journal's sheet (Excel allows 31 characters).
const JournalSheet = "Журнал обращений"

// JournalColumns are the journal's column headings, in the order of
// its columns.
var JournalColumns = []string{
	"Рег. номер", "Дата поступления", "Заявитель", "Способ поступления", "Тип обращения", "Краткое содержание",
	"Исполнитель", "Срок по закону", "Продлённый срок", "Ответ или отказ", "Дата ответа", "Исх. номер ответа",
	"Статус", "Соблюдение срока",
}

var timeliness = map[register.OnTime]string{
	register.TermRunning: "",
	register.TermMet:     "в срок",
	register.TermMissed:  "с нарушением срока",
}

// Timeliness says whether a request met its terms, as the journal writes
// it: «в срок», «с нарушением срока», or nothing while the term runs.
func Timeliness(t register.OnTime) string { return timeliness[t] }

// NotAssigned stands for the assignee of a request assigned to nobody.
const NotAssigned = "не назначено"

// Evidence words: the files of a request's evidence pack.
var (
	// TimelineColumns are the headings of the timeline in an evidence pack.
	TimelineColumns = []string{"№", "Дата и время", "Кто", "Событие", "Изменено", "Было", "Стало", "Примечание"}
	// AuditColumns are the headings of the audit of a request in an
	// evidence pack.
	AuditColumns = []string{"№", "Дата и время", "Действие", "Итог", "Кто", "Пользователь", "Токен", "IP-адрес",
		"Браузер или программа", "Изменённые поля", "Подробности"}
)

// YearsGenitive says n years in the genitive, as «длиннее 10 лет» needs:
// «1 года», «2 лет», «5 лет».
func YearsGenitive(n int) string {
	return fmt.Sprintf("%d %s", n, Plural(n, "года", "лет", "лет"))
}
