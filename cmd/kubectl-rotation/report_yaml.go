package main

import (
	"bytes"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"

	"github.com/oss-ai-agent-tool/kubectl-rotation/runbook"
)

// writeReportYAML writes the report as YAML (report -o yaml, kubectl's
// name): the JSON document of docs/report-schema.md, same fields in the same
// order, in YAML's block style. It returns the JSON writer's error or the
// write's.
func writeReportYAML(w io.Writer, r runbook.Report) error {
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		return err
	}
	// JSON is YAML: parsed into a node it keeps the fields' order; the flow
	// and quoting styles of JSON are dropped so the encoder picks block style
	// and quotes only the strings that need it.
	var doc yaml.Node
	if err := yaml.Unmarshal(js.Bytes(), &doc); err != nil {
		return fmt.Errorf("convert the report to YAML: %w", err)
	}
	blockStyle(&doc)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	return enc.Close()
}

// blockStyle clears the style of n and its children.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}
