package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// Logging says which of the command's streams are forwarded to the engine while it runs.
type Logging string

const (
	LogStdout          Logging = "stdout"
	LogStderr          Logging = "stderr"
	LogStdoutAndStderr Logging = "stdoutAndStderr"
	LogNone            Logging = "none"
)

func (l Logging) valid() bool {
	switch l {
	case "", LogStdout, LogStderr, LogStdoutAndStderr, LogNone:
		return true
	}
	return false
}

// An unset value ("") means the default, stdoutAndStderr.
func (l Logging) stdout() bool { return l == "" || l == LogStdout || l == LogStdoutAndStderr }
func (l Logging) stderr() bool { return l == "" || l == LogStderr || l == LogStdoutAndStderr }

// runSpec is what one run of a command needs: the command-independent inputs of
// Command and of the run function.
type runSpec struct {
	Command     string
	Interpreter []string
	Dir         *string
	Environment map[string]string
	Stdin       *string
	Logging     Logging
	// AddPreviousOutputInEnv unset means true.
	AddPreviousOutputInEnv *bool
	// Previous outputs, exported as PULUMI_COMMAND_STDOUT/STDERR when non-empty.
	PrevStdout, PrevStderr string

	// CommandSecret hides the command text in error messages.
	CommandSecret bool
	// Redact lists secret strings that must not appear in error messages.
	Redact []string
}

type runResult struct {
	Stdout, Stderr string
}

// lineLogger receives the lines of the streams that logging selects.
type lineLogger func(line string)

const (
	envStdout = "PULUMI_COMMAND_STDOUT"
	envStderr = "PULUMI_COMMAND_STDERR"
)

// lockedWriter serialises writes from the two stream copiers into one buffer.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// runCommand runs spec.Command with the interpreter, returning stdout and stderr with one
// trailing newline trimmed. On a non-zero exit (or a failure to start) the error names the
// command and carries its interleaved output, like pulumi-command does, with secrets redacted.
func runCommand(ctx context.Context, spec runSpec, log lineLogger) (runResult, error) {
	args := append([]string{}, spec.Interpreter...)
	if len(args) == 0 {
		args = []string{"/bin/sh", "-c"}
	}
	args = append(args, spec.Command)

	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	if spec.Dir != nil {
		cmd.Dir = *spec.Dir
	} else {
		// The engine starts the plugin in the program's directory; that is the default.
		wd, err := os.Getwd()
		if err != nil {
			return runResult{}, err
		}
		cmd.Dir = wd
	}

	env := os.Environ()
	for k, v := range spec.Environment {
		env = append(env, k+"="+v)
	}
	if spec.AddPreviousOutputInEnv == nil || *spec.AddPreviousOutputInEnv {
		if spec.PrevStdout != "" {
			env = append(env, envStdout+"="+spec.PrevStdout)
		}
		if spec.PrevStderr != "" {
			env = append(env, envStderr+"="+spec.PrevStderr)
		}
	}
	cmd.Env = env
	if spec.Stdin != nil && *spec.Stdin != "" {
		cmd.Stdin = strings.NewReader(*spec.Stdin)
	}

	var stdout, stderr, combined bytes.Buffer
	var combinedMu sync.Mutex
	combinedW := lockedWriter{&combinedMu, &combined}

	// One pipe carries the lines of the logged streams to the engine log.
	logR, logW := io.Pipe()
	logW2 := lockedWriter{&sync.Mutex{}, logW}
	outWriters := []io.Writer{&stdout, combinedW}
	errWriters := []io.Writer{&stderr, combinedW}
	if log != nil && spec.Logging.stdout() {
		outWriters = append(outWriters, logW2)
	}
	if log != nil && spec.Logging.stderr() {
		errWriters = append(errWriters, logW2)
	}
	cmd.Stdout = io.MultiWriter(outWriters...)
	cmd.Stderr = io.MultiWriter(errWriters...)

	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(logR)
		sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
		for sc.Scan() {
			if log != nil {
				log(sc.Text())
			}
		}
		_, _ = io.Copy(io.Discard, logR)
	}()

	err := cmd.Run()
	_ = logW.Close()
	<-logDone

	if err != nil {
		shown := fmt.Sprintf("%q", spec.Command)
		if spec.CommandSecret {
			shown = "[secret command]"
		}
		msg := fmt.Sprintf("%v: running %s:\n%s", err, shown, combined.String())
		return runResult{}, fmt.Errorf("%s", redact(msg, spec.Redact))
	}
	return runResult{
		Stdout: strings.TrimSuffix(stdout.String(), "\n"),
		Stderr: strings.TrimSuffix(stderr.String(), "\n"),
	}, nil
}

// redact replaces every occurrence of a secret (longest first) with [secret].
func redact(s string, secrets []string) string {
	sorted := append([]string{}, secrets...)
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && len(sorted[j]) > len(sorted[j-1]); j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	for _, sec := range sorted {
		if len(sec) < minRedactLen {
			continue
		}
		s = strings.ReplaceAll(s, sec, "[secret]")
	}
	return s
}

// Secrets shorter than this are not redacted: replacing every "1" or "yes" would only
// garble the message without protecting anything.
const minRedactLen = 4
