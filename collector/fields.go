package collector

import "github.com/trro-exporter/trro_exporter/trro"

// field is one gauge family whose value is an integer field of an API item
// of type T: the family, the API field and how it is read, what makes a
// value implausible, and how it is converted to base units sit together,
// one metric a line.
type field[T any] struct {
	fam   *Family
	api   string
	read  func(*T) trro.Int
	check func(int64) string // "" or why the value is dropped
	conv  func(int64) float64
}

// Conversions of API integers to base units.
func asIs(v int64) float64    { return float64(v) }
func minutes(v int64) float64 { return float64(v) * 60 }
func days(v int64) float64    { return float64(v) * 86400 }

// percent divides rather than multiplies by 0.01, which is not exact in
// binary: 57 % is exported as 0.57.
func percent(v int64) float64 { return float64(v) / 100 }

// fields are the gauges read from one kind of API item.
type fields[T any] []field[T]

func (fs fields[T]) families() []*Family {
	out := make([]*Family, len(fs))
	for i, f := range fs {
		out[i] = f.fam
	}
	return out
}

// read keeps item's values in fs's order: a row holds these, not the item.
// Implausible values are dropped, and counted in d.
func (fs fields[T]) read(item *T, d *drops) []trro.Int {
	vals := make([]trro.Int, len(fs))
	for i, f := range fs {
		vals[i] = d.plausible(f.api, f.read(item), f.check)
	}
	return vals
}

// write sends each family of fs in turn: for every row that each yields,
// its value for the family (when the API gave one) with the row's labels.
func (fs fields[T]) write(s Sink, each func(yield func(vals []trro.Int, labels ...string))) {
	for i, f := range fs {
		each(func(vals []trro.Int, labels ...string) {
			if v := vals[i]; v.Valid {
				s.Sample(f.fam, f.conv(v.Value), labels...)
			}
		})
	}
}
