# chart.gp: the bulk and OLTP ratios of test/bench/run.sh, from chart.dat
# (written by report.py chart), into chart.svg and chart.png.  Run in the
# results folder.
set datafile separator "\t"
set style data histograms
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside top center horizontal noenhanced
set xtics rotate by -35 left noenhanced
set lmargin 10
set bmargin 8

do for [fmt in "svg png"] {
	if (fmt eq "svg") {
		set terminal svg size 1200,950 dynamic noenhanced font "sans,11"
		set output "chart.svg"
	} else {
		set terminal pngcairo size 1200,950 noenhanced font "sans,10"
		set output "chart.png"
	}
	set multiplot layout 2,1 title "Row versioning: cost against the same table without a trigger (bare = 1)"

	set title "Bulk UPDATE of every row: time / time of bare (lower is better), median of the rounds"
	set ylabel "ratio to bare"
	set style histogram clustered gap 1
	set yrange [0:*]
	plot "chart.dat" using 2:xtic(1) title "wall-clock time" linecolor rgb "#4e79a7", \
		"" using 5 title "backend CPU time" linecolor rgb "#9c755f", \
		1 with lines dashtype 2 linecolor rgb "#555555" notitle

	set title "OLTP, single-row UPDATE by primary key: TPS / TPS of bare (higher is better), median and range of the rounds; the axis starts at 0.6"
	set ylabel "ratio to bare"
	set style histogram errorbars gap 1 linewidth 1
	set yrange [0.6:1.3]
	plot "chart.dat" using 3:6:7:xtic(1) title "1 client" linecolor rgb "#59a14f", \
		"" using 4:8:9 title "2 clients" linecolor rgb "#f28e2b", \
		0.99 with lines dashtype 2 linecolor rgb "#e15759" title "target 0.99 (fast path)", \
		0.97 with lines dashtype 3 linecolor rgb "#b07aa1" title "target 0.97 (row trigger)"

	unset multiplot
	set output
}
