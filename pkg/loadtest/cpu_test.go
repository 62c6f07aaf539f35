package loadtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc (USER_HZ, 100 on Linux).
const userHZ = 100

// cpuMeter reads the CPU time of srok, of the throwaway PostgreSQL (its
// postmaster and backends; none when the server is external), of this
// process (the vegeta client) and of the whole machine.
type cpuMeter struct {
	srok   int
	pgData string
}

type cpuSample struct {
	at                   time.Time
	srok, pg, client     int64 // ticks
	machineBusy, machine int64 // ticks over all CPUs
	steal                int64
}

// cpuUse is the CPU used between two samples.
type cpuUse struct {
	Srok, PG, Client time.Duration
	PGKnown          bool
	Busy             float64 // of all the machine's cores
	Steal            float64 // taken by the hypervisor
}

func (m cpuMeter) sample() cpuSample {
	s := cpuSample{at: time.Now()}
	s.srok, _, _ = procTicks(m.srok)
	s.client, _, _ = procTicks(os.Getpid())
	s.pg = -1
	if m.pgData != "" {
		s.pg = pgTicks(m.pgData)
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		for i := 1; i < len(f) && i <= 8; i++ {
			v, _ := strconv.ParseInt(f[i], 10, 64)
			s.machine += v
			switch i {
			case 4, 5: // idle, iowait
			case 8:
				s.steal += v
			default:
				s.machineBusy += v
			}
		}
	}
	return s
}

func (a cpuSample) to(b cpuSample) cpuUse {
	tick := time.Second / userHZ
	u := cpuUse{Srok: time.Duration(b.srok-a.srok) * tick, Client: time.Duration(b.client-a.client) * tick}
	if a.pg >= 0 && b.pg >= 0 {
		u.PG, u.PGKnown = time.Duration(b.pg-a.pg)*tick, true
	}
	if d := b.machine - a.machine; d > 0 {
		u.Busy = float64(b.machineBusy-a.machineBusy) / float64(d)
		u.Steal = float64(b.steal-a.steal) / float64(d)
	}
	return u
}

// per describes the use per request, for n requests.
func (u cpuUse) per(n int) string {
	if n <= 0 {
		return "—"
	}
	pg := "PostgreSQL n/a"
	if u.PGKnown {
		pg = "PostgreSQL " + ms(u.PG/time.Duration(n))
	}
	return fmt.Sprintf("srok %s, %s, client %s; machine %s",
		ms(u.Srok/time.Duration(n)), pg, ms(u.Client/time.Duration(n)), u.machine())
}

func (u cpuUse) machine() string {
	s := fmt.Sprintf("%.0f %% busy", 100*u.Busy)
	if u.Steal >= 0.005 {
		s += fmt.Sprintf(", %.0f %% stolen", 100*u.Steal)
	}
	return s
}

// procTicks returns the user+system CPU ticks of pid, of its waited-for
// children, and its parent pid.
func procTicks(pid int) (self, children int64, ppid int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, 0
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0, 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return 0, 0, 0
	}
	num := func(k int) int64 { v, _ := strconv.ParseInt(f[k], 10, 64); return v }
	return num(11) + num(12), num(13) + num(14), int(num(1))
}

// pgTicks sums the CPU of the postmaster of dataDir, of the backends it
// runs and of those it has reaped.
func pgTicks(dataDir string) int64 {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return -1
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pm, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return -1
	}
	self, children, _ := procTicks(pm)
	total := self + children
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == pm {
			continue
		}
		if t, _, ppid := procTicks(pid); ppid == pm {
			total += t
		}
	}
	return total
}
