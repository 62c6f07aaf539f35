package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// outboxCollector reads the reminders outbox at each scrape, so that the
// numbers are the database's, whichever srok instance sent what.
type outboxCollector struct {
	read                            OutboxFunc
	now                             func() time.Time
	log                             *slog.Logger
	queued, sent, failed, oldestAge *prometheus.Desc
}

func newOutboxCollector(read OutboxFunc, now func() time.Time, log *slog.Logger) *outboxCollector {
	return &outboxCollector{
		read: read, now: now, log: log,
		queued: prometheus.NewDesc("srok_reminders_queued",
			"Reminders waiting in the outbox to be sent (due or not yet).", nil, nil),
		sent: prometheus.NewDesc("srok_reminders_sent_total",
			"Reminders the SMTP server accepted.", nil, nil),
		failed: prometheus.NewDesc("srok_reminders_failed",
			"Reminders given up on (refused for good by the SMTP server); each needs a look.", nil, nil),
		oldestAge: prometheus.NewDesc("srok_reminders_oldest_pending_age_seconds",
			"How long the earliest pending reminder has been due to be sent; 0 when none is late.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.queued
	ch <- c.sent
	ch <- c.failed
	ch <- c.oldestAge
}

// Collect implements prometheus.Collector.
func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), outboxTimeout)
	defer cancel()
	o, err := c.read(ctx)
	if err != nil {
		c.log.Warn("metrics: unable to read the reminders outbox", "error", err.Error())
		ch <- prometheus.NewInvalidMetric(c.queued, err)
		return
	}
	age := 0.0
	if !o.OldestPendingSendAt.IsZero() {
		if d := c.now().Sub(o.OldestPendingSendAt); d > 0 {
			age = d.Seconds()
		}
	}
	ch <- prometheus.MustNewConstMetric(c.queued, prometheus.GaugeValue, float64(o.Pending))
	ch <- prometheus.MustNewConstMetric(c.sent, prometheus.CounterValue, float64(o.Sent))
	ch <- prometheus.MustNewConstMetric(c.failed, prometheus.GaugeValue, float64(o.Failed))
	ch <- prometheus.MustNewConstMetric(c.oldestAge, prometheus.GaugeValue, age)
}
