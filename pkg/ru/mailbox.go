package ru

import "github.com/srok/srok/pkg/mailbox"

// mailboxStates name the states of a mailbox (pkg/mailbox) on its page.
var mailboxStates = map[mailbox.State]string{
	mailbox.StateNew:      "ещё не проверялся",
	mailbox.StateOK:       "работает",
	mailbox.StateFailing:  "ошибка, повтор позже",
	mailbox.StateInactive: "отключён",
}

// mailboxErrors say what a mailbox's error code means and what to do.
var mailboxErrors = map[mailbox.Code]string{
	mailbox.CodeConnect:  "сервер почты недоступен: проверьте адрес и порт в SROK_IMAP_URL и сеть",
	mailbox.CodeTLS:      "не удалось установить защищённое соединение: сертификат сервера не прошёл проверку (частный удостоверяющий центр укажите в SROK_IMAP_CA_FILE) или сервер не поддерживает TLS",
	mailbox.CodeAuth:     "сервер отклонил логин или пароль: создайте пароль приложения и укажите его в SROK_IMAP_URL",
	mailbox.CodeFolder:   "папка не найдена или недоступна: проверьте имя папки в SROK_IMAP_URL и SROK_IMAP_DONE_FOLDER",
	mailbox.CodeFetch:    "сервер почты вернул ошибку при получении писем",
	mailbox.CodeStore:    "письмо не удалось сохранить: база данных недоступна",
	mailbox.CodeTooLarge: "письмо больше 25 МиБ оставлено в ящике непрочитанным: зарегистрируйте его вручную",
	mailbox.CodeKey:      "сохранённый пароль ящика не удаётся расшифровать: не задан SROK_SECRET_KEY_FILE или в нём другой ключ; отключите ящик и подключите заново",
}

// mailboxCheckErrors say, next to the field of the connection form, why
// the test of a new mailbox failed.
var mailboxCheckErrors = map[mailbox.Code]string{
	mailbox.CodeConnect: "сервер почты недоступен: проверьте адрес сервера и порт",
	mailbox.CodeTLS:     "не удалось установить защищённое соединение: проверьте способ защиты и порт (imaps — 993, STARTTLS — 143) или сертификат сервера (частный удостоверяющий центр укажите в SROK_IMAP_CA_FILE)",
	mailbox.CodeAuth:    "сервер отклонил логин или пароль: проверьте их; нужен пароль приложения, а не пароль владельца ящика",
	mailbox.CodeFolder:  "папка не найдена или недоступна: проверьте её имя",
}

// mailboxFields name the fields of the connection form in its errors.
var mailboxFields = map[string]string{
	"address": "Логин (адрес ящика)", "password": "Пароль приложения", "host": "Сервер IMAP", "port": "Порт",
	"tls": "Защита соединения", "folder": "Папка", "done_folder": "Папка для обработанных",
}

// MailboxCheckError says in Russian why the test of a mailbox being
// connected failed, for the form's field it concerns.
func MailboxCheckError(c mailbox.Code) string {
	if n, ok := mailboxCheckErrors[c]; ok {
		return n
	}
	return MailboxError(c)
}

// MailboxField is the Russian name of a field of the connection form.
func MailboxField(f string) string {
	if n, ok := mailboxFields[f]; ok {
		return n
	}
	return f
}

// MailboxState is the Russian name of a mailbox's state.
func MailboxState(s mailbox.State) string {
	if n, ok := mailboxStates[s]; ok {
		return n
	}
	return string(s)
}

// MailboxError says in Russian what a mailbox's error code means; "" for
// no error.
func MailboxError(c mailbox.Code) string {
	if c == "" {
		return ""
	}
	if n, ok := mailboxErrors[c]; ok {
		return n
	}
	return string(c)
}

// mailboxFieldProblems say what to give in a field of the connection form
// that is not valid.
var mailboxFieldProblems = map[string]string{
	"address":     "укажите логин ящика — обычно его адрес, например privacy@example.ru, — без пробелов",
	"password":    "укажите пароль приложения (без переводов строки, не длиннее 1024 символов)",
	"host":        "укажите адрес сервера IMAP, например imap.example.ru, или его IP-адрес",
	"port":        "укажите порт от 1 до 65535 (993 для imaps, 143 для STARTTLS) или оставьте поле пустым",
	"tls":         "выберите imaps или STARTTLS; без защиты — только для сервера на этом же компьютере (127.0.0.1, localhost)",
	"folder":      "укажите имя папки, например INBOX, без символов *, % и переводов строки",
	"done_folder": "укажите имя папки, например Srok, без символов *, % и переводов строки, или оставьте поле пустым",
}

// MailboxFieldProblem says in Russian what to give in a field of the
// connection form that is not valid.
func MailboxFieldProblem(field string) string {
	if n, ok := mailboxFieldProblems[field]; ok {
		return n
	}
	return "проверьте значение"
}
