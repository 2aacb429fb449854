"""Running HermiT, the OWL reasoner bundled with owlready2, from lodpub.

Finds Java, prepares the reasoner's input (an isolated owlready2 World writes the N-Triples
HermiT loads; literals of datatypes HermiT rejects are left out) and runs HermiT's command
line, telling an inconsistency apart from other failures. Used by ``reason`` and
``inconsistency``.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import owlready2
from rdflib import Graph, Literal

from lodpub.errors import JavaMissing, ReasoningError
from lodpub.namespaces import ONTOLOGY_IRI

JAVA_INSTALL_HINT = (
    "Install a Java runtime (Debian/Ubuntu: `apt-get install -y default-jre-headless`; "
    "macOS: `brew install openjdk`), or point JAVA_HOME at one, then build again. "
    "`lodpub build --no-reason` skips the reasoning step (no graph:inferred is written)."
)
JAVA_MEMORY_MB = 2000
HERMIT_TIMEOUT_S = 600

_XSD = "http://www.w3.org/2001/XMLSchema#"
# The OWL 2 datatype map (what HermiT accepts); anything else is left out of its input.
HERMIT_DATATYPES = frozenset(
    [_XSD + n for n in (
        "string normalizedString token language Name NCName NMTOKEN boolean decimal integer "
        "nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int short "
        "byte unsignedLong unsignedInt unsignedShort unsignedByte double float hexBinary "
        "base64Binary anyURI dateTime dateTimeStamp"
    ).split()]
    + [
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#PlainLiteral",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#XMLLiteral",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
        "http://www.w3.org/2002/07/owl#real",
        "http://www.w3.org/2002/07/owl#rational",
    ]
)


def find_java(java: str | None = None) -> str:
    """The Java executable to run HermiT with; raises ``JavaMissing`` with the install hint."""
    if java is None and os.environ.get("JAVA_HOME"):
        candidate = Path(os.environ["JAVA_HOME"]) / "bin" / "java"
        java = str(candidate) if candidate.exists() else None
    found = shutil.which(java or "java")
    if found is None:
        where = f"{java!r} was not found" if java else "no `java` on PATH"
        raise JavaMissing(f"The reasoner (HermiT) needs Java and {where}. {JAVA_INSTALL_HINT}")
    return found


def reasoner_input(graph: Graph) -> Graph:
    """``graph`` without the literals HermiT rejects (datatypes outside the OWL 2 map)."""
    kept = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype is not None:
            if str(o.datatype) not in HERMIT_DATATYPES:
                continue
        kept.add((s, p, o))
    return kept


def write_reasoner_input(graph: Graph, path: Path) -> Path:
    """Write ``graph`` as N-Triples through an isolated owlready2 World; return the path."""
    data = graph.serialize(format="nt", encoding="utf-8")
    world = owlready2.World()
    try:
        onto = world.get_ontology(str(ONTOLOGY_IRI))
        onto.load(fileobj=io.BytesIO(data), format="ntriples")
        with path.open("wb") as out:
            world.save(out, format="ntriples")
    finally:
        world.close()
    return path


def hermit_classpath() -> str:
    """The class path of the HermiT jar bundled with owlready2."""
    here = Path(owlready2.__file__).parent / "hermit"
    return os.pathsep.join([str(here), str(here / "HermiT.jar")])


def run_hermit(java_exe: str, path: Path, flags: Iterable[str]) -> tuple[bool, str]:
    """Run HermiT on the N-Triples file ``path``; return (consistent, output).

    Raises ``ReasoningError`` when HermiT fails for another reason than an inconsistency.
    """
    command = [
        java_exe, f"-Xmx{JAVA_MEMORY_MB}M", "-cp", hermit_classpath(),
        "org.semanticweb.HermiT.cli.CommandLine", *flags, "--ignoreUnsupportedDatatypes",
        path.resolve().as_uri(),
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=HERMIT_TIMEOUT_S, check=False
        )
    except OSError as exc:
        raise JavaMissing(f"Could not start Java ({java_exe}): {exc}. {JAVA_INSTALL_HINT}") from exc
    except subprocess.TimeoutExpired as exc:
        raise ReasoningError(
            f"HermiT ran longer than {HERMIT_TIMEOUT_S} s and was stopped; "
            "`lodpub build --no-reason` skips reasoning."
        ) from exc
    output = done.stdout.decode("utf-8", "replace").replace("\r", "")
    errors = done.stderr.decode("utf-8", "replace")
    if done.returncode == 0:
        return True, output
    if "InconsistentOntologyException" in errors or "Inconsistent ontology" in errors:
        return False, errors
    raise ReasoningError(
        f"HermiT failed (exit {done.returncode}) on {path.name}:\n{errors.strip()[-2000:]}\n"
        "Check that `java -version` runs; `lodpub build --no-reason` skips reasoning."
    )
