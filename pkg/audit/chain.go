package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strconv"
	"time"
)

// The audit trail is tamper-evident: every entry is a link of a hash chain.
// Its Seq is its place in the chain (1, 2, 3, … with no gap) and its Hash a
// SHA-256 over the previous link's hash and the entry's own fields, in the
// canonical encoding of Hash. Changing a stored entry breaks its own hash;
// removing one leaves a gap in Seq, and rewriting every later hash needs
// the head (the last link), which only the database's seal function
// (PostgreSQL: the entries are written unsealed and chained within about a
// second, Seal) or Srok's own transaction (SQLite) writes. 152-FZ art. 19 part 2: the
// record of actions done with personal data must be one that can be relied
// on, including against whoever administers the database.

// ChainVersion names the canonical encoding; it is the first item hashed,
// so that a future encoding can never collide with this one.
const ChainVersion = "srok.audit.v1"

// Hash returns the hex SHA-256 of entry e at place seq of the chain, after
// the link whose hash is prev ("" for the first). The encoding is a list of
// items, each its length in bytes in decimal, ':', its bytes and '\n':
// ChainVersion, prev, seq, At in microseconds since the Unix epoch, ActorID,
// ActorName, UserID, TokenID, IP, UserAgent, Action, RequestID, then Fields
// and RequestIDs each as their count followed by their elements, then
// Outcome and Detail. The ID is not hashed (seq orders the chain). The
// PostgreSQL migration 00012 computes the same in SQL (audit_chain_hash).
func Hash(prev string, seq int64, e *Entry) string {
	var b []byte
	item := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
		b = append(b, '\n')
	}
	list := func(xs []string) {
		item(strconv.Itoa(len(xs)))
		for _, x := range xs {
			item(x)
		}
	}
	item(ChainVersion)
	item(prev)
	item(strconv.FormatInt(seq, 10))
	item(strconv.FormatInt(e.At.UnixMicro(), 10))
	item(e.ActorID)
	item(e.ActorName)
	item(e.UserID)
	item(e.TokenID)
	item(e.IP)
	item(e.UserAgent)
	item(string(e.Action))
	item(e.RequestID)
	list(e.Fields)
	list(e.RequestIDs)
	item(string(e.Outcome))
	item(e.Detail)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Link is an entry as stored in the chain: its place and its hash.
type Link struct {
	Entry Entry
	// Seq is the entry's place in the chain; 0 for an entry outside it.
	Seq  int64
	Hash string
}

// ChainStore reads the chain for Verify.
type ChainStore interface {
	// AuditLinks returns up to limit links with Seq > after, in Seq order.
	AuditLinks(ctx context.Context, after int64, limit int) ([]Link, error)
	// AuditUnchained returns the ids of up to limit entries outside the
	// chain (no Seq), in id order.
	AuditUnchained(ctx context.Context, limit int) ([]int64, error)
	// AuditHead returns the chain's head: the last link's Seq and hash as
	// recorded when it was written.
	AuditHead(ctx context.Context) (seq int64, hash string, err error)
}

// Problem says how a chain is broken.
type Problem string

// The problems Verify finds, the first one only.
const (
	// ProblemChanged: the entry's fields or hash are not what was chained.
	ProblemChanged Problem = "changed"
	// ProblemMissing: the link at Seq is gone (an entry was removed);
	// ID is the entry after the gap, 0 when the gap is at the end.
	ProblemMissing Problem = "missing"
	// ProblemUnchained: an entry has no place in the chain (inserted
	// behind Srok's back).
	ProblemUnchained Problem = "unchained"
	// ProblemHead: the head does not match the last link.
	ProblemHead Problem = "head"
)

// Verification is what Verify found.
type Verification struct {
	// Entries is how many links were checked.
	Entries int64
	// Problem is "" when the chain is intact; otherwise the first problem,
	// at link Seq, entry ID (the entry before it is PrevID, 0 if none).
	Problem Problem
	Seq     int64
	ID      int64
	PrevID  int64
}

// Intact reports whether the chain was found whole.
func (v Verification) Intact() bool { return v.Problem == "" }

// verifyBatch is how many links Verify reads at once.
const verifyBatch = 1000

// Verify walks the chain from its first link and returns the first entry
// that was changed or removed, or that nothing was. It reads in pages and
// stops when ctx is done.
func Verify(ctx context.Context, cs ChainStore) (Verification, error) {
	var v Verification
	if ids, err := cs.AuditUnchained(ctx, 1); err != nil {
		return v, err
	} else if len(ids) > 0 {
		v.Problem, v.ID = ProblemUnchained, ids[0]
		return v, nil
	}
	var (
		prev   string
		seq    int64
		prevID int64
	)
	for {
		if err := ctx.Err(); err != nil {
			return v, err
		}
		links, err := cs.AuditLinks(ctx, seq, verifyBatch)
		if err != nil {
			return v, err
		}
		for _, l := range links {
			seq++
			if l.Seq != seq {
				v.Problem, v.Seq, v.ID, v.PrevID = ProblemMissing, seq, l.Entry.ID, prevID
				return v, nil
			}
			if Hash(prev, l.Seq, &l.Entry) != l.Hash {
				v.Problem, v.Seq, v.ID, v.PrevID = ProblemChanged, l.Seq, l.Entry.ID, prevID
				return v, nil
			}
			prev, prevID = l.Hash, l.Entry.ID
			v.Entries++
		}
		if len(links) < verifyBatch {
			break
		}
	}
	headSeq, headHash, err := cs.AuditHead(ctx)
	if err != nil {
		return v, err
	}
	switch {
	case headSeq > seq:
		// The last links are gone: the head still counts them.
		v.Problem, v.Seq, v.PrevID = ProblemMissing, seq+1, prevID
	case headSeq != seq || headHash != prev:
		v.Problem, v.Seq, v.PrevID = ProblemHead, headSeq, prevID
	}
	return v, nil
}

// Sealer chains the entries written unsealed: on PostgreSQL a change's
// entry is written without its place in the chain, so that the change does
// not wait for the chain's head, and is sealed soon after (Seal).
type Sealer interface {
	// SealAudit chains every unsealed entry and returns how many.
	SealAudit(ctx context.Context) (int, error)
}

// SealEvery is how often Seal chains the new entries.
const SealEvery = time.Second

// Seal chains the unsealed entries every interval until ctx is done; a
// failure is logged and tried again at the next tick. Every `srok serve`
// runs it: sealers in several processes queue for the chain's head, and
// never fork it.
func Seal(ctx context.Context, s Sealer, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false
	for {
		if _, err := s.SealAudit(ctx); err != nil && ctx.Err() == nil {
			if !failing {
				log.Error("audit: unable to seal the new entries into the chain", "error", err)
			}
			failing = true
		} else if failing && err == nil {
			log.Info("audit: sealing the new entries again")
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
