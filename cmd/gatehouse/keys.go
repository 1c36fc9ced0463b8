package main

import (
	"context"
	"flag"
	"fmt"
	"time"
)

func runKeys(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		return fmt.Errorf("usage: gatehouse keys rotate [--data DIR] [--retire-after DURATION]")
	}
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	var c commonFlags
	c.register(fs, "./gatehouse-data")
	retire := fs.Duration("retire-after", 24*time.Hour, "keep the rotated-out key in the JWKS this long (0s: drop it at once)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	log, err := c.logger()
	if err != nil {
		return err
	}
	st, km, err := openStore(ctx, c.data, c.clock(), log)
	if err != nil {
		return err
	}
	defer st.Close()
	d := *retire
	if d == 0 {
		d = -time.Second // Rotate treats negative as "drop now"
	}
	kid, err := km.Rotate(ctx, d)
	if err != nil {
		return err
	}
	fmt.Printf("active signing key: %s\npublished keys: %v\nrunning servers pick up the change within 30s\n", kid, km.PublishedKIDs())
	return nil
}
