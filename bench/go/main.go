// Reference runner for starform's benchmarks: executes one Starlark file with the Go
// reference implementation (go.starlark.net), with the same dialect and predeclared
// modules as `starform eval` (struct, json; while, recursion, set and top-level
// reassignment allowed), so both interpreters run the same workloads and their output
// can be compared byte for byte. Built on demand by bench/lib/reference.js into a
// temporary directory; never committed as a binary.
package main

import (
	"bufio"
	"fmt"
	"os"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkjson"
	"go.starlark.net/starlarkstruct"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: starlark-ref FILE.star")
		os.Exit(2)
	}
	resolve.AllowSet = true
	resolve.AllowRecursion = true
	resolve.AllowGlobalReassign = true

	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	thread := &starlark.Thread{
		Name: "main",
		Print: func(_ *starlark.Thread, msg string) {
			fmt.Fprintln(out, msg)
		},
	}
	predeclared := starlark.StringDict{
		"struct": starlark.NewBuiltin("struct", starlarkstruct.Make),
		"json":   starlarkjson.Module,
	}
	if _, err := starlark.ExecFile(thread, os.Args[1], nil, predeclared); err != nil {
		if evalErr, ok := err.(*starlark.EvalError); ok {
			fmt.Fprintln(os.Stderr, evalErr.Backtrace())
		} else {
			fmt.Fprintln(os.Stderr, err)
		}
		out.Flush()
		os.Exit(1)
	}
}
