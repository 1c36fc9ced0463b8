package cluster_test

import (
	"os"
	"testing"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

// TestMain gives harness.Start and harness.GoBuild their build directory.
func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
