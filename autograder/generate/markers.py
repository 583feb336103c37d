"""Turn a reference module into a student stub by removing its solution.

The reference solutions mark what students must write:

- a block between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` (each alone on
  its line). Inside a function body the block becomes
  ``raise NotImplementedError("<function>: not implemented yet — see
  handouts/<module>.md")`` at the block's indentation; anywhere else (module
  level, a class body) the block is removed.
- a line ending in ``# SOLUTION`` is dropped (decorators such as
  ``@jax.jit  # SOLUTION``, an import only the solution needs).

``strip_solutions`` is a pure text transform. Every misuse of the markers
raises ``MarkerError`` naming the file and line, and the result is checked
with ``ast.parse`` so a stub that is not valid Python never reaches students.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import PurePath

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
LINE_MARK = "# SOLUTION"


# Anything that looks like a marker but is not spelled exactly like one would
# silently ship the solution to students, so it is an error, not a comment.
_LOOKS_LIKE_MARKER = re.compile(r"#\s*(?:(?:BEGIN|END)[\s_-]*)?SOLUTIONS?\s*:?\s*", re.IGNORECASE)


class MarkerError(ValueError):
    """A solution marker is misused, or the stub it produces is not valid Python."""


@dataclass(frozen=True)
class _Comment:
    text: str
    alone: bool  # nothing but the comment on its line
    between_statements: bool  # not inside brackets or a continued statement


@dataclass(frozen=True)
class _Block:
    begin: int  # 1-based line of the BEGIN marker
    end: int  # 1-based line of the END marker
    indent: str


def strip_solutions(text: str, *, filename: str) -> str:
    """Return the student stub of the reference module ``text``.

    ``filename`` names the source in error messages and gives the handout
    path in the ``NotImplementedError`` message (``handouts/<stem>.md``).
    """
    lines = text.splitlines(keepends=True)
    comments, statement_lines = _scan_tokens(text, filename=filename)
    _check_spelling(comments, filename=filename)
    blocks = _find_blocks(lines, comments, statement_lines, filename=filename)
    marked = _find_marked_lines(comments, statement_lines, filename=filename)
    enclosing = _enclosing_functions(text, filename=filename)
    handout = f"handouts/{PurePath(filename).stem}.md"

    output: list[str] = []
    source_line_of: list[int] = []  # output line index -> source line number
    block_at = {block.begin: block for block in blocks}
    lineno = 1
    while lineno <= len(lines):
        block = block_at.get(lineno)
        if block is not None:
            function = enclosing.get(block.begin)
            if function is not None:
                message = f"{function}: not implemented yet — see {handout}"
                output.append(f'{block.indent}raise NotImplementedError("{message}")\n')
                source_line_of.append(block.begin)
            lineno = block.end + 1
            # A removed module-level block leaves its surrounding blank lines
            # behind; keep at most the two that separate top-level code.
            while lineno <= len(lines) and not lines[lineno - 1].strip() and _trailing_blanks(output) >= 2:
                lineno += 1
            continue
        if lineno not in marked:
            output.append(lines[lineno - 1])
            source_line_of.append(lineno)
        lineno += 1

    stub = "".join(output)
    _check_parses(stub, source_line_of, filename=filename)
    return stub


def _scan_tokens(text: str, *, filename: str) -> tuple[dict[int, _Comment], dict[int, tuple[int, int]]]:
    """Comments and statement extents of ``text``.

    Returns ``comments``: line -> ``_Comment``, and
    ``statement_lines``: line -> (first, last) line of the logical line it
    belongs to (only for lines that hold code).
    """
    comments: dict[int, _Comment] = {}
    statement_lines: dict[int, tuple[int, int]] = {}
    depth = 0
    statement_start: int | None = None
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as error:
        line = getattr(error, "lineno", None) or (error.args[1][0] if len(error.args) > 1 else "?")
        raise MarkerError(f"{filename}:{line}: the reference is not valid Python ({error}).") from None
    code_types = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                  tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}
    for token in tokens:
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = _Comment(
                text=token.string.strip(),
                alone=token.line.strip() == token.string.strip(),
                between_statements=depth == 0 and statement_start is None,
            )
            continue
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        if token.type not in code_types and statement_start is None:
            statement_start = token.start[0]
        if token.type == tokenize.NEWLINE and statement_start is not None:
            for line in range(statement_start, token.end[0] + 1):
                statement_lines[line] = (statement_start, token.end[0])
            statement_start = None
    return comments, statement_lines


def _check_spelling(comments, *, filename: str) -> None:
    for lineno, comment in sorted(comments.items()):
        text = comment.text
        if text in (BEGIN, END):
            if not comment.alone:
                raise MarkerError(
                    f"{filename}:{lineno}: `{text}` must stand alone on its line "
                    "(here it is a trailing comment)."
                )
            if not comment.between_statements:
                raise _in_statement(text, lineno, filename)
        elif text != LINE_MARK and _LOOKS_LIKE_MARKER.fullmatch(text):
            raise MarkerError(
                f"{filename}:{lineno}: `{text}` looks like a solution marker but is not "
                f"spelled like one. Write exactly `{BEGIN}`, `{END}` or a trailing `{LINE_MARK}`."
            )


def _find_blocks(lines, comments, statement_lines, *, filename: str) -> list[_Block]:
    """Pair BEGIN and END markers, refusing nesting, strays and half statements."""
    blocks: list[_Block] = []
    open_begin: int | None = None
    for lineno, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if stripped not in (BEGIN, END):
            continue
        comment = comments.get(lineno)
        if comment is None or comment.text != stripped or not comment.between_statements:
            raise _in_statement(stripped, lineno, filename)
        indent = raw[: len(raw) - len(raw.lstrip())]
        if stripped == BEGIN:
            if open_begin is not None:
                raise MarkerError(
                    f"{filename}:{lineno}: nested `{BEGIN}`: the block opened at line "
                    f"{open_begin} is not closed yet. Close it with `{END}` first."
                )
            open_begin = lineno
            continue
        if open_begin is None:
            raise MarkerError(f"{filename}:{lineno}: stray `{END}` without a matching `{BEGIN}` above it.")
        begin_indent = _indent_of(lines[open_begin - 1])
        if indent != begin_indent:
            raise MarkerError(
                f"{filename}:{lineno}: `{END}` is indented differently from the "
                f"`{BEGIN}` at line {open_begin}. Both markers must sit at the indentation "
                "of the statements they enclose."
            )
        _check_block_body(lines, open_begin, lineno, begin_indent, statement_lines, filename=filename)
        blocks.append(_Block(begin=open_begin, end=lineno, indent=begin_indent))
        open_begin = None
    if open_begin is not None:
        raise MarkerError(f"{filename}:{open_begin}: unterminated `{BEGIN}`: no `{END}` follows it.")
    return blocks


def _check_block_body(lines, begin, end, indent, statement_lines, *, filename: str) -> None:
    """The statements between the markers must start at ``indent`` and not dedent below it."""
    first_statement = True
    for lineno in range(begin + 1, end):
        extent = statement_lines.get(lineno)
        if extent is None:
            continue
        first, _ = extent
        if first != lineno:
            continue
        line_indent = _indent_of(lines[lineno - 1])
        if not line_indent.startswith(indent):
            raise MarkerError(
                f"{filename}:{lineno}: the solution block opened at line {begin} reaches "
                "outside its indentation level. Close the block before dedenting."
            )
        if first_statement and line_indent != indent:
            raise MarkerError(
                f"{filename}:{begin}: `{BEGIN}` is indented differently from the first "
                f"statement it encloses (line {lineno}). Indent the markers like the code."
            )
        first_statement = False


def _in_statement(marker: str, lineno: int, filename: str) -> MarkerError:
    return MarkerError(
        f"{filename}:{lineno}: `{marker}` sits in the middle of a statement "
        "(inside brackets, a string or a continued line). Put solution markers "
        "on their own lines between whole statements."
    )


def _find_marked_lines(comments, statement_lines, *, filename: str) -> set[int]:
    """Lines whose statement ends in ``# SOLUTION`` on every physical line."""
    marked = {line for line, comment in comments.items() if comment.text == LINE_MARK}
    for lineno in sorted(marked):
        extent = statement_lines.get(lineno)
        if extent is None:
            continue
        first, last = extent
        unmarked = [line for line in range(first, last + 1) if line not in marked]
        if unmarked:
            raise MarkerError(
                f"{filename}:{lineno}: `{LINE_MARK}` marks only part of the statement on "
                f"lines {first}-{last} (line {unmarked[0]} is not marked). Mark every line "
                f"of the statement, or use a `{BEGIN}` / `{END}` block."
            )
    return marked


def _enclosing_functions(text: str, *, filename: str) -> dict[int, str]:
    """Map each line after a ``def`` line, up to the function's end, to the
    innermost function's name (nested functions are further indented)."""
    try:
        tree = ast.parse(text, filename=filename)
    except SyntaxError as error:
        raise MarkerError(f"{filename}:{error.lineno}: the reference is not valid Python ({error.msg}).") from None
    enclosing: dict[int, tuple[int, str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for line in range(node.lineno + 1, node.end_lineno + 1):
            if line not in enclosing or enclosing[line][0] < node.col_offset:
                enclosing[line] = (node.col_offset, node.name)
    return {line: name for line, (_, name) in enclosing.items()}


def _check_parses(stub: str, source_line_of: list[int], *, filename: str) -> None:
    try:
        ast.parse(stub, filename=filename)
    except SyntaxError as error:
        stub_line = error.lineno or 0
        index = min(max(stub_line - 1, 0), len(source_line_of) - 1) if source_line_of else -1
        source_line = source_line_of[index] if index >= 0 else "?"
        raise MarkerError(
            f"{filename}:{source_line}: the stub is not valid Python after removing the "
            f"solution ({error.msg} at stub line {stub_line}). A function or class whose "
            "whole body was removed needs a docstring or a statement left outside the markers."
        ) from None


def _trailing_blanks(output: list[str]) -> int:
    count = 0
    for line in reversed(output):
        if line.strip():
            break
        count += 1
    return count


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]
