package actions

import (
	"context"

	"github.com/oss-ai-agent-tool/kubectl-rotation/internal/config"
)

// EnableAuditAfterRead runs enable-audit's write as if the Deployment had
// been read at resourceVersion rv with containers cs: the tests use it to
// make the object change between the read and the patch.
func EnableAuditAfterRead(ctx context.Context, ex *Executor, c config.Config, ns, rv string, cs []Container) (Result, error) {
	ch := enableAuditChange(c, ns)
	return ch.write(ctx, ex.targets().Env, rv, cs, false)
}

// CleanupDryRunOffAfterRead is EnableAuditAfterRead for cleanup-dry-run-off.
func CleanupDryRunOffAfterRead(ctx context.Context, ex *Executor, c config.Config, ns, rv string, cs []Container) (Result, error) {
	ch := cleanupDryRunOffChange(c, ns)
	return ch.write(ctx, ex.targets().Env, rv, cs, false)
}
