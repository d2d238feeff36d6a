"""Clips → film: `assemble.assemble(clips, spec, out)` and the pure pieces it is made of.

    spec          the values assembly takes and gives: ClipIn, FilmSpec, FilmReport, Seam
    edit          a storyboard and its rendered clips → ClipIns and the FilmSpec
    timeline      where each clip lands, in whole frames (trims, dropped repeats, overlaps)
    ffmpeg_graph  the ffmpeg argv: re-encode (normalise, join, mix) or stream-copy join
    sound         the film's sound as graph pieces: conform, music, ducking, loudness
    captions      SubRip text, muxed or burnt in
    chapters      one chapter per shot, as FFMETADATA
    assemble      runs it: probe, lay out, make the film, then review
    review        contact sheet, seam strip and the scores of chained joins
"""
