"""The build pipeline: data/ -> compile -> check quotes -> SHACL -> reason -> a release in dist/.

Pure graph building (sources, records, compile) is kept apart from the steps that read or write
files (build, dump). ``build.build`` runs the whole pipeline and switches the release in
atomically.
"""
