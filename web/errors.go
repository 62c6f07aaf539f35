package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// errorPage renders, for a person in a browser, an error that reached the
// error handler of httpx rather than a page of this package: those the
// shared middleware raises before any page runs (rate limit, the bound on
// requests in flight, a slow body, a cross-site form, the input guard, an
// unknown path or method). httpx.RenderPages decides when it is asked; the
// status and the Retry-After stay those of the API.
func (s *server) errorPage(c echo.Context, e httpx.PageError) error {
	return s.showMessage(c, e.Status, s.errorMessage(c, e))
}

// errorMessage says in Russian what went wrong and what to do.
func (s *server) errorMessage(c echo.Context, e httpx.PageError) message {
	retry := ""
	if e.RetryAfter > 0 {
		retry = " Повторите " + ru.RetryIn(time.Duration(e.RetryAfter)*time.Second, s.now(), s.zone()) + "."
	}
	home := message{Link: "/", LinkText: "На главную"}
	again := message{Link: c.Request().URL.Path, LinkText: "Повторить"}
	if c.Request().Method != http.MethodGet || !strings.HasPrefix(again.Link, "/") || strings.HasPrefix(again.Link, "//") {
		again = home // only a page of Srok's own is offered again
	}
	m := home
	switch {
	case e.Status == http.StatusTooManyRequests:
		m = again
		m.Heading, m.Text = "Слишком много запросов", "Слишком много запросов."+retry
	case e.Code == srok.EUNAVAILABLE && e.Reason == "overloaded":
		m = again
		m.Heading, m.Text = "Сервер перегружен", "Срок сейчас обслуживает столько запросов, сколько может."+retry
	case e.Status == http.StatusServiceUnavailable:
		m = again
		m.Heading, m.Text = "Срок временно недоступен", "База данных не отвечает."+retry
	case e.Status == http.StatusRequestTimeout:
		m.Heading, m.Text = "Запрос передавался слишком долго",
			"Данные формы не пришли вовремя, и соединение закрыто. Вернитесь назад и отправьте форму ещё раз."
	case e.Status == http.StatusForbidden && e.Reason == "cross_origin":
		m.Heading, m.Text = "Запрос с другого сайта отклонён",
			"Форма была отправлена со страницы другого сайта, и Срок её не принял (защита от подделки запросов). "+
				"Откройте страницу Срока и отправьте форму оттуда."
	case e.Status == http.StatusForbidden:
		m.Heading, m.Text = "Недостаточно прав", "Ваша роль не позволяет это действие."
	case e.Status == http.StatusUnauthorized:
		m = message{Heading: "Нужно войти", Text: "Войдите, чтобы продолжить.", Link: "/login", LinkText: "Войти"}
	case e.Status == http.StatusRequestEntityTooLarge:
		m.Heading, m.Text = "Слишком большой запрос",
			"Отправленные данные больше, чем принимает Срок. Уменьшите файл или текст и отправьте снова."
	case e.Status == http.StatusUnsupportedMediaType:
		m.Heading, m.Text = "Неверный формат запроса", "Срок не принимает данные в таком виде. Отправьте форму со страницы Срока."
	case e.Status == http.StatusNotFound:
		m.Heading, m.Text = "Страница не найдена", "Такой страницы нет. Проверьте адрес или начните с главной."
	case e.Status == http.StatusMethodNotAllowed:
		m.Heading, m.Text = "Так открыть страницу нельзя", "Этот адрес не принимает такой запрос. Откройте его по ссылке со страницы Срока."
	case e.Status >= 500:
		m.Heading, m.Text = "Что-то пошло не так", "Ошибка на стороне сервера записана в журнал под номером запроса "+e.RequestID+"."
	default:
		m.Heading, m.Text = "Неверный запрос",
			"Адрес или данные формы не удалось прочитать. Вернитесь назад, проверьте введённое и попробуйте ещё раз."
	}
	return m
}
