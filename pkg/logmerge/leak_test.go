package logmerge

import (
	"testing"

	"go.uber.org/goleak"
)

// Every follow, watch and stream of these tests must be gone when they end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
