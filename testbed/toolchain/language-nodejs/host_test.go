package main

import (
	"context"
	"testing"
	"time"
)

// Cancel must stop running children but leave the host usable, since an
// attached host serves several engine sessions; a shutdown is final.
func TestCancelStopsChildrenAndRecovers(t *testing.T) {
	h := newHost("127.0.0.1:1", "")
	cmd, release := h.nodeCommand(context.Background(), "sleep", []string{"30"})
	defer release()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := h.Cancel(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("child was not interrupted")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("child took %v to stop", d)
	}
	if h.childContext().Err() != nil {
		t.Fatal("host unusable after Cancel")
	}

	h.cancelAll()
	h.stopChildren()
	if h.childContext().Err() == nil {
		t.Fatal("host still starts children after shutdown")
	}
}

// A cancelled request (the engine gave up on Run) interrupts its child.
func TestRequestCancelStopsChild(t *testing.T) {
	h := newHost("127.0.0.1:1", "")
	ctx, cancel := context.WithCancel(context.Background())
	cmd, release := h.nodeCommand(ctx, "sleep", []string{"30"})
	defer release()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cancel()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("child exited cleanly despite cancellation")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("child still running after request cancellation")
	}
}
