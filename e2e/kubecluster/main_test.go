package kubecluster_test

import (
	"os"
	"testing"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

// TestMain gives harness.Start the build directory the OIDC tests need.
func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
