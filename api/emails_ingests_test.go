package api

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/srok/srok/pkg/srok"
)

// TestIngestsBound checks that no more emails than slots are read at once,
// that a waiting one goes on when a slot frees, and that one waiting past
// the wait is told to come back (503, Retry-After), not kept in memory.
func TestIngestsBound(t *testing.T) {
	in := newIngests(2, 50*time.Millisecond)
	var now, most atomic.Int32
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := newWaitLonger(in).acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			n := now.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			now.Add(-1)
			release()
		}()
	}
	wg.Wait()
	if m := most.Load(); m != 2 {
		t.Fatalf("%d emails read at once, want 2", m)
	}

	r1, _ := in.acquire(context.Background())
	r2, _ := in.acquire(context.Background())
	_, err := in.acquire(context.Background())
	var se *srok.Error
	if !errors.As(err, &se) || se.Code != srok.EUNAVAILABLE || se.RetryAfter != time.Second {
		t.Fatalf("past the wait: %v, want EUNAVAILABLE with Retry-After", err)
	}
	r1()
	r3, err := in.acquire(context.Background())
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	r2()
	r3()
}

// newWaitLonger shares in's slots with a wait long enough for six short
// ingests.
func newWaitLonger(in *ingests) *ingests { return &ingests{slots: in.slots, wait: 10 * time.Second} }
