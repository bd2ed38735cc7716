//go:build !linux

package torch

// threadID has no portable implementation: WithScope's scope is then never current, and tensors
// made from unscoped inputs must be attached by hand.
func threadID() (int, bool) { return 0, false }
