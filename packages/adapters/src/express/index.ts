export { switchyardExpress } from "./middleware.js"
