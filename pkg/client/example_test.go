package client_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/srok/srok/pkg/client"
)

// A web form files a request with an API token (README.md, "A Go client"):
// the Idempotency-Key makes a retry after a lost answer safe.
func Example() {
	ctx := context.Background()
	c, err := client.NewClientWithResponses("http://127.0.0.1:8080",
		client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+"srok_…") // a token of `srok token create`
			return nil
		}))
	if err != nil {
		log.Fatal(err)
	}
	received := client.Trigger("2026-11-20T10:00:00+03:00")
	name, email := "Иван Петров", "ivan@example.ru"
	key := "form-submission-8412"
	res, err := c.CreateRequestWithResponse(ctx, &client.CreateRequestParams{IdempotencyKey: &key}, client.RequestInput{
		Type: client.RequestTypeAccess, Channel: client.ChannelWebForm, ReceivedAt: &received,
		Subject: &client.SubjectInput{Name: &name, Email: &email},
	})
	if err != nil {
		log.Fatal(err)
	}
	switch {
	case res.JSON201 != nil:
		fmt.Println("registered", res.JSON201.Number, "answer due", res.JSON201.Obligations[0].DueDate)
	case res.ApplicationproblemJSON422 != nil:
		fmt.Println("refused:", res.ApplicationproblemJSON422.Detail)
	default:
		fmt.Println("status", res.StatusCode())
	}
}
