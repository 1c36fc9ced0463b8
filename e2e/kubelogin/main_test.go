package kubelogin_test

import (
	"os"
	"testing"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
