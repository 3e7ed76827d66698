from bootstrap.tasks import ns  # the whole task surface: invoke --list

ns.configure({"bootstrap": {"config": "examples/demo/bootstrap.yaml"}})
