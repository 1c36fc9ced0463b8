package bench

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// SigningKeyBits is the size of Gatehouse's token signing keys (and
// Entra's).
const SigningKeyBits = 2048

// NewSigningKey generates a fresh RSA key of the token signing size, so the
// measurement depends on no key the server holds.
func NewSigningKey() (*rsa.PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, SigningKeyBits)
	if err != nil {
		return nil, fmt.Errorf("generate %d-bit RSA key: %w", SigningKeyBits, err)
	}
	return k, nil
}

// SigningRate is the result of a signing measurement.
type SigningRate struct {
	Goroutines int
	Signatures int
	Elapsed    time.Duration
	// CPU is the CPU time the measuring process used meanwhile; 0 when it
	// could not be read.
	CPU time.Duration
}

// PerSecond is the number of signatures per second of wall time.
func (r SigningRate) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Signatures) / r.Elapsed.Seconds()
}

// PerCPUSecond is the number of signatures per second of CPU time. Unlike
// PerSecond it does not drop when other processes take the CPU away; on a
// quiet machine the two agree for one goroutine. 0 when CPU time was not
// measured.
func (r SigningRate) PerCPUSecond() float64 {
	if r.CPU <= 0 {
		return 0
	}
	return float64(r.Signatures) / r.CPU.Seconds()
}

// tokenSizedInput has the size of the JWS signing input (base64url header
// "." base64url claims) of a typical app-only access token, about 1.3 KB.
// RS256 hashes it with SHA-256 before the RSA operation, so each signature
// hashes it again.
func tokenSizedInput() []byte {
	return []byte(strings.Repeat("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9", 36))
}

// MeasureSigning signs with key on goroutines goroutines, each in a loop of
// RS256 signatures (SHA-256 of a token-sized input, then RSASSA-PKCS1-v1_5
// as crypto/rsa.SignPKCS1v15 makes it, which is what the JWS signer calls),
// for about d. One goroutine measures what one core signs; GOMAXPROCS
// goroutines what the machine signs. It also reads the process's CPU time
// around the loop (Linux), for PerCPUSecond.
func MeasureSigning(ctx context.Context, key *rsa.PrivateKey, goroutines int, d time.Duration) (SigningRate, error) {
	if goroutines < 1 || d <= 0 {
		return SigningRate{}, errors.New("signing measurement needs at least one goroutine and a positive duration")
	}
	input := tokenSizedInput()
	counts := make([]int, goroutines)
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	cpuBefore, cpuErr := ProcessCPU(os.Getpid())
	begin := time.Now()
	deadline := begin.Add(d)
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				sum := sha256.Sum256(input)
				if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:]); err != nil {
					errs[i] = fmt.Errorf("sign: %w", err)
					return
				}
				counts[i]++
			}
		}()
	}
	wg.Wait()
	r := SigningRate{Goroutines: goroutines, Elapsed: time.Since(begin)}
	if cpuAfter, err := ProcessCPU(os.Getpid()); err == nil && cpuErr == nil {
		r.CPU = cpuAfter - cpuBefore
	}
	for _, c := range counts {
		r.Signatures += c
	}
	if err := errors.Join(errs...); err != nil {
		return r, err
	}
	return r, ctx.Err()
}
