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
