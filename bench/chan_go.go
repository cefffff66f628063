// chan_go: the Go reference for pipeline/bench/chan_bench: items per second through one Go
// channel for P producers and C consumers at a given capacity, printed in chan_bench's format.
// Usage: go run bench/chan_go.go [items] (default 20000000 per config).
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

func run(capacity, np, nc int, items int) float64 {
	c := make(chan uint64, capacity)
	var prod, cons sync.WaitGroup
	sums := make([]uint64, nc)
	t0 := time.Now()
	for i := 0; i < nc; i++ {
		cons.Add(1)
		go func(i int) {
			defer cons.Done()
			for v := range c {
				sums[i] += v
			}
		}(i)
	}
	per := items / np
	for i := 0; i < np; i++ {
		prod.Add(1)
		go func() {
			defer prod.Done()
			for j := 0; j < per; j++ {
				c <- uint64(j)
			}
		}()
	}
	prod.Wait()
	close(c)
	cons.Wait()
	return float64(per*np) / time.Since(t0).Seconds()
}

func main() {
	items := 20000000
	if len(os.Args) > 1 {
		items, _ = strconv.Atoi(os.Args[1])
	}
	cfgs := []struct{ capacity, p, c int }{{0, 1, 1}, {1, 1, 1}, {64, 1, 1}, {1024, 1, 1}, {64, 4, 4}}
	fmt.Printf("%-10s %-10s %14s\n", "capacity", "P x C", "M items/s")
	for _, k := range cfgs {
		n := items
		if k.capacity == 0 {
			n = items / 4
		}
		r := run(k.capacity, k.p, k.c, n)
		fmt.Printf("%-10d %dx%-8d %14.2f\n", k.capacity, k.p, k.c, r/1e6)
	}
}
