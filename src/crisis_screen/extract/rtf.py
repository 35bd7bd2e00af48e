r"""RTF reading: a linear, bounded reader of the text RTF carries.

RTF is 7-bit ASCII: groups in braces, control words (``\par``, ``\f1``, ``\u8212``),
``\'xx`` escapes in the code page of the current font (``\fcharset``) or of the document
(``\ansicpg``, Windows-1252 when absent), and plain text. Groups that hold no visible text
(font and colour tables, pictures, document properties, ``{\*...}`` destinations) are
skipped.

The reader makes one pass over the tokens, checking the time limit as it goes, and refuses
nesting deeper than ``max_rtf_depth``: a general-purpose converter (striprtf, used before)
took minutes on a 300 KB file of nested font-table groups, because some of its regular
expressions rescan the rest of the document for every font.
"""

from __future__ import annotations

import codecs
import re

from crisis_screen.extract.limits import Budget
from crisis_screen.extract.text import tidy_lines

__all__ = ["read_rtf"]

_TOKEN = re.compile(
    r"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # control word, its parameter, one delimiting space
    r"|\\'([0-9a-fA-F]{2})"  # a byte in the current code page
    r"|\\([^a-zA-Z])"  # control symbol: \\ \{ \} \~ \- \_ \* \<newline>
    r"|([{}])"
    r"|[\r\n]+"  # line breaks in the file are not text
    r"|([^\\{}\r\n]+)"  # a run of text
)
# Destinations whose content is not body text (RTF 1.9 specification). Text boxes
# (\shprslt, \dptxbxtext) are kept: their words are visible on the page.
_DESTINATION_WORDS = """
    aftncn aftnsep aftnsepc annotation atnauthor atndate atnicn atnid atnparent atnref
    atntime atrfend atrfstart author background bkmkend bkmkstart blipuid buptim category
    colorschememapping colortbl comment company creatim datafield datastore defchp defpap
    do doccomm docvar ebcend ebcstart factoidname falt fchars ffdeftext ffentrymcr
    ffexitmcr ffformat ffhelptext ffl ffname ffstattext file filetbl fldinst fldtype fname
    fontemb fontfile fonttbl footer footerf footerl footerr footnote formfield ftncn ftnsep
    ftnsepc g generator gridtbl header headerf headerl headerr hl hlfr hlinkbase hlloc
    hlsrc hsv htmltag info keycode keywords latentstyles lchars levelnumbers leveltext
    lfolevel linkval list listlevel listname listoverride listoverridetable listpicture
    liststylename listtable lsdlockedexcept macc maccPr mailmerge maln malnScr manager
    margPr mbar mbarPr mbaseJc mbegChr mborderBox mborderBoxPr mbox mboxPr mchr mcount
    mctrlPr md mdeg mdegHide mden mdiff mdPr me mendChr meqArr meqArrPr mf mfName mfPr
    mfunc mfuncPr mgroupChr mgroupChrPr mgrow mhideBot mhideLeft mhideRight mhideTop
    mhtmltag mlim mlimloc mlimlow mlimlowPr mlimupp mlimuppPr mm mmaddfieldname mmath
    mmathPict mmathPr mmaxdist mmc mmcJc mmconnectstr mmconnectstrdata mmcPr mmcs
    mmdatasource mmheadersource mmmailsubject mmodso mmodsofilter mmodsofldmpdata
    mmodsomappedname mmodsoname mmodsorecipdata mmodsosort mmodsosrc mmodsotable mmodsoudl
    mmodsoudldata mmodsouniquetag mmPr mmquery mmr mnary mnaryPr mnoBreak mnum mobjDist
    moMath moMathPara moMathParaPr mopEmu mphant mphantPr mplcHide mpos mr mrad mradPr
    mrPr msepChr mshow mshp msPre msPrePr msSub msSubPr msSubSup msSubSupPr msSup msSupPr
    mstrikeBLTR mstrikeH mstrikeTLBR mstrikeV msub msubHide msup msupHide mtransp mtype
    mvertJc mvfmf mvfml mvtof mvtol mzeroAsc mzeroDesc mzeroWid nesttableprops nextfile
    nonesttables objalias objclass objdata object objname objsect objtime oldcprops
    oldpprops oldsprops oldtprops oleclsid operator panose password passwordhash pgp
    pgptbl picprop pict pn pnseclvl pntext pntxta pntxtb printim private propname protend
    protstart protusertbl pxe result revtbl revtim rsidtbl rxe shp shpgrp shpinst shppict
    sn sp staticval stylesheet subject sv svb tc template themedata title txe ud upr
    userprops wgrffmtfilter windowcaption writereservation writereservhash xe xform
    xmlattrname xmlattrvalue xmlclose xmlname xmlnstbl xmlopen
    """
_DESTINATIONS = frozenset(_DESTINATION_WORDS.split())
_TEXT_WORDS = {
    "par": "\n",
    "sect": "\n\n",
    "page": "\n\n",
    "line": "\n",
    "row": "\n",
    "nestrow": "\n",
    "tab": "\t",
    "cell": "\t",
    "nestcell": "\t",
    "emdash": "\u2014",
    "endash": "\u2013",
    "emspace": "\u2003",
    "enspace": "\u2002",
    "qmspace": "\u2005",
    "bullet": "\u2022",
    "lquote": "\u2018",
    "rquote": "\u2019",
    "ldblquote": "\u201c",
    "rdblquote": "\u201d",
}
_TEXT_SYMBOLS = {
    "\\": "\\",
    "{": "{",
    "}": "}",
    "~": "\xa0",
    "_": "\u2011",
    "\n": "\n",
    "\r": "\n",
}
# \fcharset values (RTF specification) and their Python codecs.
_CHARSETS = {
    0: "cp1252",
    2: "cp1252",
    77: "mac_roman",
    128: "cp932",
    129: "cp949",
    130: "johab",
    134: "gbk",
    136: "big5",
    161: "cp1253",
    162: "cp1254",
    163: "cp1258",
    177: "cp1255",
    178: "cp1256",
    186: "cp1257",
    204: "cp1251",
    222: "cp874",
    238: "cp1250",
    254: "cp437",
    255: "cp850",
}
_CHARSET_WORDS = {"ansi": "cp1252", "mac": "mac_roman", "pc": "cp437", "pca": "cp850"}
_CHECK_EVERY = 4096  # tokens between time-limit checks


def _codec(name: str, fallback: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return fallback


class _Reader:
    """The state of one pass: group stack, fonts, pending escaped bytes and the text."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.encoding = "cp1252"
        self.fonts: dict[str, str] = {}  # font number -> codec, from the font table
        # Per group: (\uc skip count, skipped destination, font, inside the font table).
        self.stack: list[tuple[int, bool, str | None, bool]] = []
        self.uc, self.skip, self.fonttbl = 1, False, False
        self.font: str | None = None
        self.table_font: str | None = None
        self.pending = bytearray()  # consecutive \'xx bytes, decoded together (DBCS)
        self.out: list[str] = []
        self.length = 0
        self.to_skip = 0  # fallback characters still to skip after a \uN

    def emit(self, text: str) -> None:
        if self.skip or self.fonttbl or not text:
            return
        self.out.append(text)
        self.length += len(text)
        if self.length > self.budget.limits.max_chars:
            raise self.budget.fail(
                f"extracted text exceeds {self.budget.limits.max_chars} characters"
            )

    def flush(self) -> None:
        if self.pending:
            codec = self.fonts.get(self.font or "", self.encoding)
            self.emit(bytes(self.pending).decode(codec, errors="replace"))
            self.pending.clear()

    def push(self) -> None:
        if len(self.stack) >= self.budget.limits.max_rtf_depth:
            raise self.budget.fail(
                f"RTF groups nested deeper than {self.budget.limits.max_rtf_depth} levels"
            )
        self.stack.append((self.uc, self.skip, self.font, self.fonttbl))

    def pop(self) -> bool:
        """Close a group; return True when it was the outermost (the document ends)."""
        if not self.stack:
            return True
        self.uc, self.skip, self.font, self.fonttbl = self.stack.pop()
        return not self.stack

    def word(self, word: str, arg: str | None) -> None:
        if word in _DESTINATIONS:
            if word == "fonttbl":
                self.fonttbl = True
            else:
                self.skip = True
        elif self.fonttbl:
            # Inside the font table only the font numbers and their character sets matter.
            if word == "f":
                self.table_font = arg
            elif word == "fcharset" and arg is not None and self.table_font is not None:
                codec = _CHARSETS.get(int(arg))
                if codec is not None:
                    self.fonts[self.table_font] = codec
        elif word in _TEXT_WORDS:
            self.emit(_TEXT_WORDS[word])
        elif word == "u" and arg is not None:
            self.emit(chr(int(arg) % 0x10000))  # negative values are the upper half
            self.to_skip = self.uc
        elif word == "uc" and arg is not None:
            self.uc = min(int(arg), 16)
        elif word == "f":
            self.font = arg
        elif word == "ansicpg" and arg is not None:
            self.encoding = _codec(f"cp{int(arg)}", self.encoding)
        elif word in _CHARSET_WORDS:
            self.encoding = _CHARSET_WORDS[word]


def read_rtf(data: bytes, budget: Budget) -> str:
    r"""Extract the text of an RTF document.

    Args:
        data: The RTF bytes.
        budget: Source name, limits and deadline.

    Returns:
        The text, one paragraph per line; table cells are separated by tabs.

    Raises:
        LimitExceededError: Groups nested deeper than ``max_rtf_depth``, more text than
            ``max_chars``, or the time limit ran out.
    """
    text = data.decode("latin-1")  # byte-transparent: escapes carry the code page
    reader = _Reader(budget)
    pos, end, count = 0, len(text), 0
    match_at = _TOKEN.match
    while pos < end:
        count += 1
        if count % _CHECK_EVERY == 0:
            budget.check()
        m = match_at(text, pos)
        if m is None:  # a lone backslash at the very end
            break
        pos = m.end()
        word, arg, hexbyte, symbol, brace, run = m.groups()
        if hexbyte is not None:
            if reader.to_skip:
                reader.to_skip -= 1
            else:
                reader.pending.append(int(hexbyte, 16))
            continue
        reader.flush()
        if run is not None:
            if reader.to_skip:
                skipped = min(reader.to_skip, len(run))
                reader.to_skip -= skipped
                run = run[skipped:]
            reader.emit(run)
            continue
        reader.to_skip = 0
        if word is not None:
            if word == "bin" and arg is not None:
                pos += max(int(arg), 0)  # raw binary data (pictures): never text
            else:
                reader.word(word, arg)
        elif brace == "{":
            reader.push()
        elif brace == "}":
            if reader.pop():
                break  # the document group closed: what follows is not part of it
        elif symbol == "*":
            reader.skip = True
        elif symbol is not None and symbol in _TEXT_SYMBOLS:
            reader.emit(_TEXT_SYMBOLS[symbol])
    reader.flush()
    budget.check()
    joined = "".join(reader.out)
    # \uN escapes write characters beyond the BMP as surrogate pairs: join each pair, and
    # replace a lone half (it cannot be encoded anywhere downstream).
    joined = joined.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return tidy_lines([joined])
