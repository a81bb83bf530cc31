// Command cron-reference prints, for each cron expression read from stdin (one a line),
// what the parser Kubernetes uses for CronJob schedules (robfig/cron v3, ParseStandard)
// makes of it: whether it parses, whether it ever fires, and the longest gap between two
// runs from 2027-01-01 to 2035-01-01 UTC. Its output is the expected table of
// test/core/cron.test.ts; regenerate with:
//
//	cd scripts/cron-reference && go run . < ../../test/core/cron-expressions.txt > ../../test/core/cron-reference.json
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

type result struct {
	Expression    string `json:"expression"`
	Valid         bool   `json:"valid"`
	Fires         bool   `json:"fires"`
	PeriodSeconds int64  `json:"periodSeconds"`
}

func main() {
	start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)
	var results []result
	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		expression := strings.TrimSpace(scanner.Text())
		if expression == "" || strings.HasPrefix(expression, "#") {
			continue
		}
		r := result{Expression: expression}
		schedule, err := cron.ParseStandard(expression)
		if err == nil {
			r.Valid = true
			var previous time.Time
			for t := schedule.Next(start.Add(-time.Second)); !t.IsZero() && t.Before(end); t = schedule.Next(t) {
				r.Fires = true
				if !previous.IsZero() && int64(t.Sub(previous).Seconds()) > r.PeriodSeconds {
					r.PeriodSeconds = int64(t.Sub(previous).Seconds())
				}
				previous = t
			}
		}
		results = append(results, r)
	}
	out, _ := json.MarshalIndent(results, "", "  ")
	os.Stdout.Write(append(out, '\n'))
}
