package printers

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"golang.org/x/term"
)

// FormatWide is -o wide: the human view with every column in full, whatever
// the terminal's width, as kubectl get -o wide.
const FormatWide = "wide"

// Structured says whether -o asks for JSON or YAML rather than a view for people.
func Structured(format string) bool {
	return format != "" && format != FormatWide
}

// TerminalWidth is the width of the terminal out writes to, or 0 when out is
// not a terminal (piped: full tables, so scripts and grep see everything).
// $COLUMNS, when set, wins: it is how a user asks for a width explicitly.
func TerminalWidth(out io.Writer) int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	f, ok := out.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}

// Column says how one column of a table gives way when the table is wider
// than the terminal. The steps of all columns (ShortAt, DropAt) are taken in
// the order of their numbers until the table fits; a long form shortened
// before a later drop comes back when the drop left room for it. The zero value never gives way: the container's name,
// kind and role stay whole, since they are what the rest is read by.
type Column struct {
	Header string
	// Short, from step ShortAt on, rewrites each cell in a shorter form
	// (IMAGE without its registry).
	Short   func(cell string) string
	ShortAt int
	// DropAt is the step at which the column is left out; 0 keeps it.
	DropAt int
	// Elide lets cells be cut in the middle with "…" once every step is
	// taken and the table is still too wide. A column that gives way in any
	// of these ways is left out first when it holds only "-".
	Elide bool
	// Wrap, for the last column only, breaks long cells onto continuation
	// rows at the room the other columns leave (event messages).
	Wrap bool
}

const (
	columnSep = 3 // spaces between columns, as kubectl get
	// minElided is the narrowest a cell is cut to: less says nothing.
	minElided = 8
	// minWrapped is the narrowest a wrapped column gets, even past the width.
	minWrapped = 24
	ellipsis   = "…"
)

// WriteTable prints a table in kubectl's borderless style that fits width
// columns: the columns give way step by step (see Column) until it does.
// width 0 (-o wide, not a terminal) prints every column in full. A view's
// printer calls it with the width OutputWidth gave its command.
func WriteTable(w io.Writer, width int, indent string, cols []Column, rows [][]string) error {
	return writeFitted(w, width, indent, cols, rows, true)
}

// writeFitted is WriteTable, with or without the header row (a page of a
// streamed table after the first; doctor's rows under their check).
func writeFitted(w io.Writer, width int, indent string, cols []Column, rows [][]string, withHeader bool) error {
	for i, r := range rows {
		if len(r) != len(cols) {
			return fmt.Errorf("table row %d has %d cells for %d columns", i+1, len(r), len(cols))
		}
	}
	header, fitted, gap := fitTable(width, indent, cols, rows)
	if !withHeader {
		header = nil
	}
	return writeTableGap(w, header, fitted, indent, gap)
}

// fitTable is WriteTable's layout: the header and rows left once the
// columns have given way, and the spaces between columns.
func fitTable(width int, indent string, cols []Column, rows [][]string) ([]string, [][]string, int) {
	cells := make([][]string, len(rows))
	for i, r := range rows {
		cells[i] = append([]string(nil), r...)
	}
	keep := make([]bool, len(cols))
	for i := range keep {
		keep[i] = true
	}
	t := fitting{cols: cols, keep: keep, rows: cells, full: rows, indent: displayWidth(indent), gap: columnSep}
	if width > 0 {
		t.fit(width)
	}
	var header []string
	for i, c := range cols {
		if keep[i] {
			header = append(header, c.Header)
		}
	}
	out := make([][]string, 0, len(cells))
	for _, r := range cells {
		row := make([]string, 0, len(header))
		for i := range cols {
			if keep[i] {
				row = append(row, r[i])
			}
		}
		out = append(out, row)
	}
	if width > 0 {
		out = t.wrapLast(width, header, out)
	}
	return header, out, t.gap
}

type fitting struct {
	gap    int
	full   [][]string // the cells as given
	cols   []Column
	keep   []bool
	rows   [][]string
	indent int
}

type fitStep struct {
	at, col int
	drop    bool
}

func (t *fitting) fit(width int) {
	var steps []fitStep
	for i, c := range t.cols {
		if c.Short != nil && c.ShortAt > 0 {
			steps = append(steps, fitStep{at: c.ShortAt, col: i})
		}
		if c.DropAt > 0 {
			steps = append(steps, fitStep{at: c.DropAt, col: i, drop: true})
		}
	}
	sort.SliceStable(steps, func(a, b int) bool { return steps[a].at < steps[b].at })
	if t.width() > width {
		// First a column that may give way and says nothing: "-" all down.
		for i, c := range t.cols {
			if c.Short != nil || c.DropAt > 0 || c.Elide {
				t.keep[i] = t.keep[i] && !t.blank(i)
			}
		}
	}
	var shortened []int
	for _, s := range steps {
		if t.width() <= width {
			break
		}
		if s.drop {
			t.keep[s.col] = false
			continue
		}
		for _, r := range t.rows {
			r[s.col] = mapText(r[s.col], t.cols[s.col].Short)
		}
		shortened = append(shortened, s.col)
	}
	// A column dropped later may have left room for the long form of
	// cells shortened before it: give it back, the most needed first.
	for i := len(shortened) - 1; i >= 0; i-- {
		col := shortened[i]
		if !t.keep[col] {
			continue
		}
		short := make([]string, len(t.rows))
		for j, r := range t.rows {
			short[j], r[col] = r[col], t.full[j][col]
		}
		if t.width() > width {
			for j, r := range t.rows {
				r[col] = short[j]
			}
		}
	}
	if t.width() <= width {
		return
	}
	if t.width() > width {
		// Columns two apart still read as columns and leave room for a longer name.
		t.gap = columnSep - 1
	}
	t.elide(width)
}

// elide cuts the widest elidable column a cell at a time until the table
// fits or every such column is down to minElided.
func (t *fitting) elide(width int) {
	widths := t.widths()
	over := t.width() - width
	for over > 0 {
		widest := -1
		for i, c := range t.cols {
			if !t.keep[i] || !c.Elide || widths[i] <= max(minElided, displayWidth(c.Header)) {
				continue
			}
			if widest < 0 || widths[i] > widths[widest] {
				widest = i
			}
		}
		if widest < 0 {
			// Too wide even cut to the bone: cut as far as allowed anyway.
			break
		}
		widths[widest]--
		over--
	}
	for i, c := range t.cols {
		if !t.keep[i] || !c.Elide {
			continue
		}
		for _, r := range t.rows {
			r[i] = ElideMiddle(r[i], widths[i])
		}
	}
}

// wrapLast breaks the cells of a last column marked Wrap onto continuation rows.
func (t *fitting) wrapLast(width int, header []string, rows [][]string) [][]string {
	last := -1
	for i := range t.cols {
		if t.keep[i] {
			last = i
		}
	}
	if last < 0 || !t.cols[last].Wrap {
		return rows
	}
	n := len(header)
	used := t.indent
	for i := 0; i < n-1; i++ {
		w := displayWidth(header[i])
		for _, r := range rows {
			w = max(w, displayWidth(r[i]))
		}
		used += w + t.gap
	}
	room := max(width-used, minWrapped)
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		lines := WrapText(r[n-1], room)
		r[n-1] = lines[0]
		out = append(out, r)
		for _, l := range lines[1:] {
			cont := make([]string, n)
			cont[n-1] = l
			out = append(out, cont)
		}
	}
	return out
}

func (t *fitting) blank(col int) bool {
	for _, r := range t.rows {
		if c := r[col]; c != "" && c != "-" {
			return false
		}
	}
	return true
}

func (t *fitting) widths() []int {
	ws := make([]int, len(t.cols))
	for i, c := range t.cols {
		ws[i] = displayWidth(c.Header)
		for _, r := range t.rows {
			ws[i] = max(ws[i], displayWidth(r[i]))
		}
	}
	return ws
}

// width is the widest line the table prints, a wrapped column counted at its narrowest.
func (t *fitting) width() int {
	total, n := t.indent, 0
	for i, w := range t.widths() {
		if !t.keep[i] {
			continue
		}
		if t.cols[i].Wrap {
			w = min(w, minWrapped)
		}
		total += w
		n++
	}
	if n > 1 {
		total += t.gap * (n - 1)
	}
	return total
}

// ElideMiddle shortens s to width columns by cutting its middle out and
// putting "…" there: both ends of an image or a reason say the most. A
// painted cell stays painted.
func ElideMiddle(s string, width int) string {
	return mapText(s, func(text string) string {
		if displayWidth(text) <= width || width < 1 {
			return text
		}
		runes := []rune(text)
		budget := width - 1
		tailBudget := budget / 2
		headBudget := budget - tailBudget
		var head, tail []rune
		for _, r := range runes {
			if w := displayWidth(string(r)); w <= headBudget {
				head = append(head, r)
				headBudget -= w
				continue
			}
			break
		}
		for i := len(runes) - 1; i >= len(head); i-- {
			if w := displayWidth(string(runes[i])); w <= tailBudget {
				tail = append([]rune{runes[i]}, tail...)
				tailBudget -= w
				continue
			}
			break
		}
		return string(head) + ellipsis + string(tail)
	})
}

// mapText applies f to the text of a cell, leaving the colour Painter put
// around it in place.
func mapText(cell string, f func(string) string) string {
	if !strings.HasPrefix(cell, "\x1b[") || !strings.HasSuffix(cell, reset) {
		return f(cell)
	}
	end := strings.IndexByte(cell, 'm')
	inner := cell[end+1 : len(cell)-len(reset)]
	if strings.Contains(inner, "\x1b") {
		return f(cell)
	}
	return cell[:end+1] + f(inner) + reset
}

// WrapText breaks text at spaces into lines of at most width columns; a word
// longer than a line is cut. width < 1 leaves text whole.
func WrapText(text string, width int) []string {
	return packFields(strings.Fields(text), " ", width)
}

// packFields puts fields on lines of at most width columns, sep between
// fields on a line, never breaking a field unless it alone is too wide.
func packFields(fields []string, sep string, width int) []string {
	if len(fields) == 0 {
		return []string{""}
	}
	var lines []string
	line := ""
	for _, f := range fields {
		switch {
		case line == "":
			line = f
		case width < 1 || displayWidth(line)+displayWidth(sep)+displayWidth(f) <= width:
			line += sep + f
		default:
			lines = append(lines, line)
			line = f
		}
		if width > 0 && displayWidth(line) > width && !strings.Contains(line, "\x1b") {
			cut := hardCut(line, width)
			lines = append(lines, cut[:len(cut)-1]...)
			line = cut[len(cut)-1]
		}
	}
	return append(lines, line)
}

// hardCut breaks a word wider than width into pieces of at most width
// columns (a rune wider than width alone on its piece).
func hardCut(word string, width int) []string {
	var pieces []string
	start, used := 0, 0
	for i, r := range word {
		w := displayWidth(string(r))
		if used+w > width && i > start {
			pieces = append(pieces, word[start:i])
			start, used = i, 0
		}
		used += w
	}
	return append(pieces, word[start:])
}

// WriteHanging writes prefix then text wrapped at width, continuation lines
// indented to where the text starts: "  nginx  the only container; …" goes on
// under "the". When the prefix leaves too little room the continuation lines
// start four columns in instead. width 0 writes one line.
func WriteHanging(w io.Writer, width int, prefix, text string) {
	if width <= 0 || displayWidth(prefix+text) <= width {
		_, _ = io.WriteString(w, strings.TrimRight(prefix+text, " ")+"\n")
		return
	}
	writeHangingFields(w, width, prefix, strings.Fields(text), " ")
}

func writeHangingFields(w io.Writer, width int, prefix string, fields []string, sep string) {
	hang := displayWidth(prefix)
	if width > 0 && width-hang < minWrapped {
		hang = min(hang, 4)
	}
	room := 0
	if width > 0 {
		room = width - hang
	}
	lines := packFields(fields, sep, room)
	first := lines[0]
	if width > 0 && displayWidth(prefix)+displayWidth(first) > width && hang < displayWidth(prefix) {
		// The prefix is too wide to share a line: the text starts under it.
		_, _ = io.WriteString(w, strings.TrimRight(prefix, " ")+"\n")
		hangPad := strings.Repeat(" ", hang)
		for _, l := range lines {
			_, _ = io.WriteString(w, hangPad+l+"\n")
		}
		return
	}
	_, _ = io.WriteString(w, strings.TrimRight(prefix+first, " ")+"\n")
	pad := strings.Repeat(" ", hang)
	for _, l := range lines[1:] {
		_, _ = io.WriteString(w, pad+l+"\n")
	}
}

// WriteFields writes fields sep apart on one line when it fits width;
// otherwise the first of layouts (fields grouped into lines) whose lines all
// fit, or the last one with its long groups broken between fields. A field
// is never broken; lines after the first are indented by two.
func WriteFields(w io.Writer, width int, sep string, oneLine []string, layouts ...[][]string) {
	line := strings.Join(oneLine, sep)
	if width <= 0 || displayWidth(line) <= width || len(layouts) == 0 {
		_, _ = io.WriteString(w, line+"\n")
		return
	}
	chosen := layouts[len(layouts)-1]
	for _, l := range layouts {
		fits := true
		for i, g := range l {
			fits = fits && displayWidth(strings.Join(g, sep))+min(i, 1)*2 <= width
		}
		if fits {
			chosen = l
			break
		}
	}
	first := true
	for _, g := range chosen {
		for _, l := range packFields(g, sep, width-2) {
			if !first {
				l = "  " + l
			}
			first = false
			_, _ = io.WriteString(w, l+"\n")
		}
	}
}

// WriteWrapped writes text wrapped at width, the lines after the first
// indented by two so that they read as one paragraph (a verdict).
func WriteWrapped(w io.Writer, width int, text string) {
	if width <= 0 || displayWidth(text) <= width {
		_, _ = io.WriteString(w, text+"\n")
		return
	}
	for i, l := range WrapText(text, width-2) {
		if i > 0 {
			l = "  " + l
		}
		_, _ = io.WriteString(w, l+"\n")
	}
}

// displayWidth is how many terminal columns s takes, colours aside.
func displayWidth(s string) int {
	return twwidth.Width(s)
}
