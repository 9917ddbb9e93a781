//go:build tools

// Package kubetools records the commands scripts/testbins.sh builds, so that
// `go mod tidy` keeps every checksum they need.
package kubetools

import (
	_ "go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
