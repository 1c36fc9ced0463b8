package bench

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"os"
	"testing"
	"time"
)

func TestMeasureSigning(t *testing.T) {
	key, err := NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	if got := key.N.BitLen(); got != SigningKeyBits {
		t.Fatalf("key size = %d bits, want %d", got, SigningKeyBits)
	}
	for _, goroutines := range []int{1, 2} {
		r, err := MeasureSigning(context.Background(), key, goroutines, 100*time.Millisecond)
		if err != nil {
			t.Fatalf("MeasureSigning(%d goroutines): %v", goroutines, err)
		}
		if r.Goroutines != goroutines || r.Signatures < goroutines || r.Elapsed < 100*time.Millisecond {
			t.Fatalf("MeasureSigning(%d goroutines) = %+v, want at least one signature each over 100ms", goroutines, r)
		}
		if r.PerSecond() <= 0 {
			t.Fatalf("PerSecond = %v, want > 0", r.PerSecond())
		}
		if _, err := os.Stat("/proc/self/stat"); err == nil && r.CPU <= 0 {
			t.Fatalf("CPU = %v after %v of signing, want > 0", r.CPU, r.Elapsed)
		}
	}
	// The measured operation makes signatures that verify as RS256.
	sum := sha256.Sum256(tokenSizedInput())
	sig, _ := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

func TestMeasureSigningRefusesNoWork(t *testing.T) {
	if _, err := MeasureSigning(context.Background(), nil, 0, time.Second); err == nil {
		t.Fatal("MeasureSigning with 0 goroutines = nil error, want one")
	}
	if _, err := MeasureSigning(context.Background(), nil, 1, 0); err == nil {
		t.Fatal("MeasureSigning for 0s = nil error, want one")
	}
}

func TestSigningRatePerSecond(t *testing.T) {
	tests := []struct {
		r            SigningRate
		wall, percpu float64
	}{
		{SigningRate{Signatures: 3000, Elapsed: 2 * time.Second, CPU: 2 * time.Second}, 1500, 1500},
		{SigningRate{Signatures: 3000, Elapsed: 3 * time.Second, CPU: 2 * time.Second}, 1000, 1500},
		{SigningRate{Signatures: 6000, Elapsed: 2 * time.Second, CPU: 4 * time.Second}, 3000, 1500},
		{SigningRate{Signatures: 10, Elapsed: 0, CPU: 0}, 0, 0},
	}
	for _, tt := range tests {
		if got := tt.r.PerSecond(); got != tt.wall {
			t.Fatalf("%+v.PerSecond() = %v, want %v", tt.r, got, tt.wall)
		}
		if got := tt.r.PerCPUSecond(); got != tt.percpu {
			t.Fatalf("%+v.PerCPUSecond() = %v, want %v", tt.r, got, tt.percpu)
		}
	}
}
