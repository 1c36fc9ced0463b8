package browser_test

import (
	"os"
	"testing"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

// TestMain gives harness.Start its build directory.
func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
