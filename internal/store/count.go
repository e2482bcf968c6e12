package store

import (
	"context"
	"database/sql/driver"
	"sync"
)

// Statements counts the statements run through a Store opened with
// OpenCounting, by their SQL text.
type Statements struct {
	mu     sync.Mutex
	total  int
	byText map[string]int
}

func (c *Statements) add(q string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byText == nil {
		c.byText = map[string]int{}
	}
	c.total++
	c.byText[q]++
}

// Total is how many statements ran since the last Reset.
func (c *Statements) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// ByText is how many times each statement ran since the last Reset.
func (c *Statements) ByText() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.byText))
	for q, n := range c.byText {
		out[q] = n
	}
	return out
}

// Reset starts counting from zero.
func (c *Statements) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total, c.byText = 0, nil
}

// countingConnector is the SQLite driver with every statement counted.
// Its connections implement only Prepare (and transactions), so that
// database/sql prepares every query and exec through them, and each run
// of a prepared statement is counted, however often it is run.
type countingConnector struct {
	inner driver.Driver
	dsn   string
	count *Statements
}

func (c *countingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.inner.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, count: c.count}, nil
}

func (c *countingConnector) Driver() driver.Driver { return c.inner }

type countingConn struct {
	driver.Conn
	count *Statements
}

func (c *countingConn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}

func (c *countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: st, q: q, count: c.count}, nil
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

type countingStmt struct {
	driver.Stmt
	q     string
	count *Statements
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.count.add(s.q)
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.count.add(s.q)
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}
