"""marshmallow schemas: input, query and output shapes per resource."""
