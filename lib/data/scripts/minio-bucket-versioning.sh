mc version enable store/{{BUCKET}}
